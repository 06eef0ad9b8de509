import Foundation
import SwitchboardConfig
import SwitchboardCore
import SwitchboardModem
import SwitchboardSMS
import SwitchboardSMTP
import Testing

/// The example file against what the configuration readers actually read: every key path a
/// reader asks for (recorded by `ConfigReader`, present in the file or not) must be written
/// in `switchboard.example.yaml`, an engine's keys in that engine's own section.
@Suite("switchboard.example.yaml documents every key the parser reads")
struct ConfigExampleTests {
    static let engines: [ConnectorEngine] = [
        BucketConnector.engine, HTTPGatewayConnector.engine, KannelConnector.engine, WebhookConnector.engine,
        SMTPConnector.engine, EmailGatewayConnector.engine, SMTPInboundConnector.engine,
        ModemConnector.engine, GammuConnector.engine,
    ]

    /// Reaches the readers the example leaves commented out: one connector of every engine,
    /// and every nested section of a topic and a channel (nested keys are read only when
    /// their section is there).
    static let everySection = """
        connectors:
        \(engines.map { "  c-\($0.name): {engine: \($0.name), channels: [sms]}" }.joined(separator: "\n"))
        channels:
          sms: {route: [c-bucket], retry: {delay: 1s}, packing: {mode: nav}, fallback: email}
        templates:
          t: {text: "x", html_file: /nonexistent}
        topics:
          chat:
            columns: {body: TEXT}
            read: {roles: [user]}
            write: {roles: [user]}
            message_default: {POST: {body: text}}
            open: {body: $user.id}
            prepare:
              - require: [body]
              - max_length: {body: 5}
              - restrict: {field: body, values: [a], roles: [ops]}
              - reject: {field: body, values: [b]}
            modify: {body: $field.body}
            alert: {to: [a@example.org], text: x}
        conversations:
          responders:
            every:
              steps:
                - {name: a, prompt: x, expect: yes_no, next: {yes: end, default: b}}
              lists:
                g: {group: team}
                t: {topic: chat, limit: 5, text: x}
              on_complete:
                send: {to: [group:team], text: x, subject: x}
                topic_row: {topic: chat, values: {body: x}}
        """

    static func keysRead() throws -> Set<String> {
        let environment = ConfigEnvironment(variables: [:])
        let example = ConfigLoader.parse(path: ConfigYAMLTests.examplePath, engines: engines, environment: environment)
        let sections = ConfigLoader.parse(yaml: everySection, engines: engines, environment: environment)
        return example.keysRead.union(sections.keysRead)
    }

    /// The example's text from where `engine` is introduced to the next engine or section.
    static func section(of engine: String, in text: String) -> Substring? {
        let markers = ["(engine \(engine))", "(engine \(engine),", "engine: \(engine)"]
        guard let start = markers.lazy.compactMap({ text.range(of: $0) }).first else { return nil }
        let rest = text[start.upperBound...]
        let end = [rest.range(of: "(engine "), rest.range(of: "\n# ---")].compactMap { $0?.lowerBound }.min() ?? rest.endIndex
        return rest[..<end]
    }

    static func mentions(_ text: Substring, _ key: String) -> Bool {
        text.ranges(of: key).contains { r in
            let before = r.lowerBound == text.startIndex ? " " : text[text.index(before: r.lowerBound)]
            let after = r.upperBound == text.endIndex ? " " : text[r.upperBound]
            return !(before.isLetter || before == "_") && !(after.isLetter || after == "_")
        }
    }

    @Test func everyKeyAReaderAsksForIsInTheExample() throws {
        let text = try String(contentsOfFile: ConfigYAMLTests.examplePath, encoding: .utf8)
        let read = try Self.keysRead()
        #expect(read.contains("connectors.<kannel>.timeout") && read.contains("topics.*.alert.methods"), "the readers were not reached")
        var missing: [String] = []
        for path in read.sorted() {
            let leaf = String(path.split(separator: ".").last ?? "")
            if path.hasPrefix("connectors.<") {
                let engine = String(path.dropFirst("connectors.<".count).prefix { $0 != ">" })
                guard let section = Self.section(of: engine, in: text) else {
                    missing.append("\(path) (no section for engine \(engine))")
                    continue
                }
                if !Self.mentions(section, leaf) { missing.append(path) }
            } else if !Self.mentions(text[...], leaf) {
                missing.append(path)
            }
        }
        #expect(missing.isEmpty, "read by the parser but not in switchboard.example.yaml: \(missing)")
    }
}
