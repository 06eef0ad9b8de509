import ArgumentParser
import SwitchboardCore
import SwitchboardSMS

/// SMS text tools for operators: what a text costs and how a burst of alerts is packed,
/// answered offline so a template or alarm text can be checked before it pages anyone.
struct SMSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sms",
        abstract: "Count SMS text and try alert packing.",
        subcommands: [Count.self, Pack.self]
    )

    /// Prints the encoding, size and parts of one text.
    struct Count: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show how a text is encoded and how many SMS it takes.",
            discussion: "Example: switchboard sms count \"Temperatur 41 °C i rack B\""
        )

        @Flag(help: "Print the result as JSON.") var json = false
        @Argument(help: "The message text.") var text: String

        func run() async throws {
            let c = SMSEncoding.count(text)
            if json {
                print(try CLIOutput.json(c))
                return
            }
            let unit = c.encoding == .gsm7 ? "septets" : "UTF-16 units"
            print("encoding: \(c.encoding.rawValue)")
            print("units: \(c.units) \(unit)")
            print("parts: \(c.parts)")
            print("per part: \(c.perPart) \(unit)")
            print("remaining in last part: \(c.remainingInLastPart)")
            print("non-GSM characters: \(c.nonGSMCharacters.isEmpty ? "none" : c.nonGSMCharacters.map { "'\($0)'" }.joined(separator: " "))")
        }
    }

    /// Packs alerts given on the command line, numbered by position, into one SMS.
    struct Pack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pack several alerts into one SMS, most severe first.",
            discussion: """
                Each MSG is `text` or `severity:text` (severity one of \(Severity.allCases.map(\.rawValue).joined(separator: ", ")); \
                default info). Alerts are identified by their position, 1 for the first.
                Example: switchboard sms pack --mode nav "warning:Disk 91% on db1" "critical:Router gw1 down"
                """
        )

        @Option(help: "nav (NAV smsd's formatsms: 160 characters) or segments (GSM/UCS-2 parts).") var mode: String = "nav"
        @Option(name: .customLong("max-parts"), help: "Parts one SMS may take in segments mode (1-10).") var maxParts: Int = 1
        @Flag(help: "Print the result as JSON.") var json = false
        @Argument(help: "The alerts, oldest first: `text` or `severity:text`.") var messages: [String]

        func validate() throws {
            guard PackingMode(rawValue: mode) != nil else { throw ValidationError("--mode must be nav or segments, not '\(mode)'") }
            guard (1...10).contains(maxParts) else { throw ValidationError("--max-parts must be 1 to 10") }
            guard !messages.isEmpty else { throw ValidationError("give at least one message") }
        }

        func run() async throws {
            let items = try messages.enumerated().map { try Self.item($0.element, id: String($0.offset + 1)) }
            let packer = SMSPacker(mode: PackingMode(rawValue: mode) ?? .nav, maxParts: maxParts)
            let result = packer.pack(items)
            if json {
                print(try CLIOutput.json(Output(result: result, count: SMSEncoding.count(result.text))))
                return
            }
            print(result.text)
            print("sent: \(result.sent.isEmpty ? "none" : result.sent.joined(separator: ", "))")
            print("ignored: \(result.ignored.isEmpty ? "none" : result.ignored.joined(separator: ", "))")
            let c = SMSEncoding.count(result.text)
            print("(\(result.text.unicodeScalars.count) characters, \(c.encoding.rawValue), \(c.parts) part\(c.parts == 1 ? "" : "s"))")
            if result.isEmpty && !items.isEmpty {
                switch packer.mode {
                case .nav: print("note: nothing fits; as NAV smsd, only the note is sent and every alert is ignored")
                case .segments: print("note: nothing fits beside the note; the hub sends the most severe alone (cut to fit) and the rest later")
                }
            }
        }

        /// `critical:Router down` → severity critical; a text whose prefix is not a severity
        /// (`http://…`, `Note: …`) is kept whole at severity info.
        static func item(_ argument: String, id: String) throws -> PackItem {
            if let colon = argument.firstIndex(of: ":") {
                let prefix = argument[..<colon].lowercased()
                if let severity = Severity(rawValue: prefix) {
                    let text = String(argument[argument.index(after: colon)...])
                    guard !text.isEmpty else { throw ValidationError("message \(id) has a severity but no text") }
                    return PackItem(id: id, text: text, severity: severity)
                }
            }
            guard !argument.isEmpty else { throw ValidationError("message \(id) is empty") }
            return PackItem(id: id, text: argument, severity: .info)
        }

        struct Output: Encodable {
            var result: PackResult
            var count: SMSCount
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(result.text, forKey: .text)
                try c.encode(result.sent, forKey: .sent)
                try c.encode(result.ignored, forKey: .ignored)
                try c.encode(count, forKey: .count)
            }
            enum CodingKeys: String, CodingKey { case text, sent, ignored, count }
        }
    }
}
