import SwitchboardCore

extension ModemConnector {
    /// One GSM modem on a serial line.
    ///
    /// Keys (`engine: modem`):
    ///
    /// | key               | meaning |
    /// | ----------------- | ------- |
    /// | `device`          | required: the serial device, e.g. `/dev/ttyUSB1` (better: a `/dev/serial/by-id/…` link) |
    /// | `baud`            | line speed. Default 115200 |
    /// | `pin_env`         | environment variable holding the SIM's PIN, when the SIM asks for one |
    /// | `smsc`            | the SMS centre's number (`+…`), set with `AT+CSCA`; the SIM's own when absent |
    /// | `storage`         | message storage for `AT+CPMS`: `SM` (SIM, default), `ME` or `MT` |
    /// | `indications`     | `AT+CNMI` parameters. Default `2,1,0,1,0` (`+CMTI` for new SMS, `+CDS` for status reports) |
    /// | `status_reports`  | ask for a status report for each SMS. Default true |
    /// | `validity`        | how long the SMSC keeps trying (relative validity), e.g. `1d`; the SMSC's default when absent |
    /// | `command_timeout` | how long any other command may take. Default 10s |
    /// | `send_timeout`    | how long `AT+CMGS` may take (the network answers it). Default 60s |
    /// | `health_interval` | how often signal (`AT+CSQ`) and registration (`AT+CREG?`) are checked. Default 60s |
    /// | `reopen_delay`    | wait before opening a modem again that stopped answering or went away. Default 10s |
    /// | `concat_timeout`  | how long parts of a long SMS wait for the rest before it is handed on with what came. Default 10m |
    /// | `status_report_window` | how long after sending a status report is still matched to the SMS (references are kept that long, in the store). Default 7d |
    package struct Configuration: Sendable, Equatable, CustomStringConvertible {
        package var device: String
        package var baud = 115_200
        /// Never printed.
        package var pin: String?
        package var smsc: String?
        package var storage = "SM"
        package var indications = "2,1,0,1,0"
        package var statusReports = true
        package var validity: Duration?
        package var commandTimeout: Duration = .seconds(10)
        package var sendTimeout: Duration = .seconds(60)
        package var healthInterval: Duration = .seconds(60)
        package var reopenDelay: Duration = .seconds(10)
        package var concatTimeout: Duration = .seconds(600)
        package var statusReportWindow: Duration = .seconds(7 * 86400)

        package init(device: String) { self.device = device }

        package var description: String {
            "modem \(device) baud=\(baud) pin=\(pin == nil ? "-" : "***") smsc=\(smsc ?? "-") storage=\(storage)"
                + " indications=\(indications) status_reports=\(statusReports) send_timeout=\(sendTimeout)"
        }

        /// The state machine's settings for this modem.
        var machine: ModemStateMachine.Settings {
            var s = ModemStateMachine.Settings()
            s.pin = pin
            s.smsc = smsc
            s.storage = storage
            s.indications = indications
            s.commandTimeout = commandTimeout
            return s
        }

        /// Reads the `modem` keys, recording every problem in `reader`; `nil` if there was any.
        package static func read(_ reader: ConfigReader, environment: ConfigEnvironment) -> Configuration? {
            let before = reader.problems.count
            let device = reader.string("device", required: true)
            let baud = reader.int("baud")
            let pin = environment.secret(reader, "pin_env")
            let smsc = reader.string("smsc")
            let storage = reader.string("storage")
            let indications = reader.string("indications")
            let reports = reader.bool("status_reports")
            let durations = [
                "validity", "command_timeout", "send_timeout", "health_interval", "reopen_delay", "concat_timeout", "status_report_window",
            ].map {
                ($0, reader.duration($0))
            }
            if let device, !device.hasPrefix("/") { reader.problem("device", "'\(device)' is not an absolute device path such as /dev/ttyUSB1") }
            if let baud, SerialPort.rates[baud] == nil {
                reader.problem(
                    "baud",
                    "\(baud) is not a baud rate; use one of \(SerialPort.rates.keys.sorted().map(String.init).joined(separator: ", "))"
                )
            }
            if let pin, !(4...8).contains(pin.count) || !pin.allSatisfy(\.isASCII) || !pin.allSatisfy(\.isNumber) {
                reader.problem("pin_env", "the PIN must be 4 to 8 digits")
            }
            if let smsc, (try? PDUAddress.number(smsc))?.kind != .international {
                reader.problem("smsc", "'\(smsc)' is not an international number such as +4790002100")
            }
            if let storage, !["SM", "ME", "MT", "SR", "BM"].contains(storage) {
                reader.problem("storage", "'\(storage)' is not a message storage: SM, ME or MT")
            }
            if let indications, indications.isEmpty || !indications.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ",") }) {
                reader.problem("indications", "'\(indications)' is not AT+CNMI parameters such as 2,1,0,1,0")
            }
            for (key, value) in durations where value != nil && value! <= 0 { reader.problem(key, "must be above 0") }
            guard let device, reader.problems.count == before else { return nil }
            var c = Configuration(device: device)
            if let baud { c.baud = baud }
            c.pin = pin
            c.smsc = smsc
            if let storage { c.storage = storage }
            if let indications { c.indications = indications }
            if let reports { c.statusReports = reports }
            let d = Dictionary(
                uniqueKeysWithValues: durations.compactMap { key, value in value.map { (key, Duration.milliseconds(Int64($0 * 1000))) } }
            )
            c.validity = d["validity"]
            if let v = d["command_timeout"] { c.commandTimeout = v }
            if let v = d["send_timeout"] { c.sendTimeout = v }
            if let v = d["health_interval"] { c.healthInterval = v }
            if let v = d["reopen_delay"] { c.reopenDelay = v }
            if let v = d["concat_timeout"] { c.concatTimeout = v }
            if let v = d["status_report_window"] { c.statusReportWindow = v }
            return c
        }
    }
}
