import Foundation
import Logging
import SwitchboardCore

/// SMS through gammu-smsd (engine `gammu`, NAV's GammuDispatcher): each delivery becomes a
/// file in gammu-smsd's outbox, and its fate is where gammu-smsd moves it — the sent folder
/// (sent) or the error folder (a transient failure: the route fails over). Received SMS are
/// read from its inbox folder, committed, and only then deleted.
///
/// Why the files backend: it needs nothing but shared directories (no database for gammu-smsd
/// to share with the hub), and each step is one rename, which either happened or did not.
///
/// A file is written under a name gammu-smsd does not look at, then renamed into place, so it
/// never reads half a message. If gammu-smsd has not taken a file within `send_timeout`, the
/// connector renames it back out of the outbox: if that works, nothing was sent (transient);
/// if the file is gone, gammu-smsd took it and the connector waits for its verdict.
package final class GammuConnector: Connector {
    package let name: String
    package let engine = "gammu"
    /// On several nodes, run by one only: gammu-smsd's spool has one reader of its results and inbox.
    package var singleOwner: Bool { true }
    package let channels: [ChannelName]
    package let configuration: Configuration
    let logger: Logger

    package init(name: String, channels: [ChannelName] = [.sms], configuration: Configuration, logger: Logger = Logger(label: "switchboard.gammu")) {
        self.name = name
        self.channels = channels
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "connector"] = "\(name)"
        self.logger = logger
    }

    /// The `gammu` engine; keys in `Configuration`.
    package static let engine = ConnectorEngine(name: "gammu") { settings, reader, _ in
        guard let configuration = Configuration.read(reader) else { return nil }
        return GammuConnector(name: settings.name, channels: settings.channels, configuration: configuration)
    }

    package func send(_ outbound: Outbound) async throws -> Receipt {
        guard case .sms(let number) = outbound.address, (try? PDUAddress.number(number)) != nil else {
            throw ConnectorError.permanent("gammu connector \(name) sends SMS to phone numbers only, not to \(outbound.address)")
        }
        let fileName = GammuFiles.outboxName(
            number: number,
            deliveryID: outbound.delivery.id,
            at: Date(),
            deliveryReport: configuration.deliveryReports
        )
        let fm = FileManager.default
        let staging = "\(configuration.outbox)/.\(fileName).tmp"
        let queued = "\(configuration.outbox)/\(fileName)"
        do {
            try GammuFiles.outboxContent(outbound.message.text).write(to: URL(fileURLWithPath: staging))
            try fm.moveItem(atPath: staging, toPath: queued)
        } catch {
            try? fm.removeItem(atPath: staging)
            throw ConnectorError.transient(
                "gammu connector \(name) cannot write to its outbox \(configuration.outbox): \(error.localizedDescription)"
            )
        }
        let deadline = ContinuousClock.now + configuration.sendTimeout
        var tookBack = false
        while true {
            if fm.fileExists(atPath: "\(configuration.sent)/\(fileName)") {
                return Receipt(id: fileName)
            }
            if fm.fileExists(atPath: "\(configuration.error)/\(fileName)") {
                throw ConnectorError.transient("gammu-smsd could not send it (moved to \(configuration.error)/\(fileName); see gammu-smsd's log)")
            }
            if ContinuousClock.now >= deadline && !tookBack {
                tookBack = true
                if (try? fm.moveItem(atPath: queued, toPath: staging)) != nil {
                    try? fm.removeItem(atPath: staging)
                    throw ConnectorError.transient("gammu-smsd did not take the message within \(configuration.sendTimeout); is it running?")
                }
                // gammu-smsd has it: wait as long again for its verdict.
            } else if ContinuousClock.now >= deadline + configuration.sendTimeout {
                throw ConnectorError.transient("gammu-smsd took the message but gave no verdict within \(configuration.sendTimeout * 2)")
            }
            try await Task.sleep(for: min(configuration.pollInterval, .milliseconds(200)))
        }
    }

    package func run(sink: any InboundSink) async throws {
        guard let inbox = configuration.inbox else {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            return
        }
        logger.info("gammu connector reading its inbox", metadata: ["configuration": "\(configuration)"])
        while !Task.isCancelled {
            await scan(inbox, sink: sink)
            try? await Task.sleep(for: configuration.pollInterval)
        }
    }

    /// Reads the inbox once: every message whose files have all been written (none changed in
    /// the last second; gammu-smsd writes a long message's parts together), in name order.
    func scan(_ inbox: String, sink: any InboundSink) async {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: inbox) else {
            logger.warning("cannot read gammu-smsd's inbox", metadata: ["inbox": "\(inbox)"])
            return
        }
        var messages: [String: [(GammuFiles.InboxName, String)]] = [:]
        for file in names {
            guard let parsed = GammuFiles.inboxName(file) else { continue }
            messages[parsed.message, default: []].append((parsed, file))
        }
        let settled = Date().addingTimeInterval(-1)
        for key in messages.keys.sorted() {
            let parts = messages[key]!.sorted { $0.0.part < $1.0.part }
            let paths = parts.map { "\(inbox)/\($0.1)" }
            let times = paths.compactMap { (try? fm.attributesOfItem(atPath: $0))?[.modificationDate] as? Date }
            guard times.count == paths.count, times.allSatisfy({ $0 <= settled }) else { continue }
            var text = ""
            for (parsed, path) in zip(parts.map(\.0), paths) {
                guard let data = fm.contents(atPath: path) else { continue }
                text += GammuFiles.inboxText(data, binary: parsed.binary)
            }
            let sender = parts[0].0.sender
            do {
                let result = try await sink.receive(
                    InboundMessage(connector: name, from: .sms(sender), text: text, receivedAt: times.min() ?? Date())
                )
                logger.info("SMS received", metadata: ["from": "\(sender)", "message": "\(result.messageID)", "files": "\(parts.count)"])
            } catch {
                logger.error("could not commit a received SMS; its files stay in the inbox", metadata: ["from": "\(sender)", "error": "\(error)"])
                continue
            }
            for path in paths { try? fm.removeItem(atPath: path) }
        }
    }
}
