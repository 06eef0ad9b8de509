import SwitchboardCore

extension GammuConnector {
    /// Where gammu-smsd's files backend keeps its folders (its `OutboxPath`, `SentSMSPath`,
    /// `ErrorSMSPath`, `InboxPath`), which must be the same directories here.
    ///
    /// Keys (`engine: gammu`):
    ///
    /// | key                | meaning |
    /// | ------------------ | ------- |
    /// | `outbox`           | required: gammu-smsd's `OutboxPath` (with `OutboxFormat = unicode`) |
    /// | `sent`             | required: its `SentSMSPath` |
    /// | `error`            | required: its `ErrorSMSPath` |
    /// | `inbox`            | its `InboxPath` (with `InboxFormat = unicode`); received SMS are read from there. None: send only |
    /// | `delivery_reports` | ask for delivery reports (the `d` option of the file name). Default true |
    /// | `send_timeout`     | how long gammu-smsd may take to send one SMS before it is taken back. Default 60s |
    /// | `poll_interval`    | how often the folders are looked at. Default 1s |
    package struct Configuration: Sendable, Equatable, CustomStringConvertible {
        package var outbox: String
        package var sent: String
        package var error: String
        package var inbox: String?
        package var deliveryReports = true
        package var sendTimeout: Duration = .seconds(60)
        package var pollInterval: Duration = .seconds(1)

        package init(outbox: String, sent: String, error: String) {
            self.outbox = outbox
            self.sent = sent
            self.error = error
        }

        package var description: String {
            "gammu outbox=\(outbox) sent=\(sent) error=\(error) inbox=\(inbox ?? "-") send_timeout=\(sendTimeout)"
        }

        package static func read(_ reader: ConfigReader) -> Configuration? {
            let before = reader.problems.count
            let outbox = reader.string("outbox", required: true)
            let sent = reader.string("sent", required: true)
            let error = reader.string("error", required: true)
            let inbox = reader.string("inbox")
            let reports = reader.bool("delivery_reports")
            let sendTimeout = reader.duration("send_timeout")
            let poll = reader.duration("poll_interval")
            for (key, value) in [("outbox", outbox), ("sent", sent), ("error", error), ("inbox", inbox)] {
                if let value, !value.hasPrefix("/") { reader.problem(key, "'\(value)' is not an absolute directory path") }
            }
            for (key, value) in [("send_timeout", sendTimeout), ("poll_interval", poll)] where value != nil && value! <= 0 {
                reader.problem(key, "must be above 0")
            }
            guard let outbox, let sent, let error, reader.problems.count == before else { return nil }
            var c = Configuration(outbox: outbox, sent: sent, error: error)
            c.inbox = inbox
            if let reports { c.deliveryReports = reports }
            if let sendTimeout { c.sendTimeout = .milliseconds(Int64(sendTimeout * 1000)) }
            if let poll { c.pollInterval = .milliseconds(Int64(poll * 1000)) }
            return c
        }
    }
}
