import Foundation
import SwitchboardCore

/// Runs a RapidSMS-style script through the real router, outbox and dispatcher of a hub:
///
/// ```
/// +4712345678 > ping
/// +4712345678 < pong
/// mailto:ann@example.org > help
/// < Send PING to test the line
/// ```
///
/// `>` lines are injected as inbound messages on a bucket connector; `<` lines are what that
/// bucket must have sent back to the same party, in order (a bare `< text` means "to the
/// party of the last `>` line"; in a `<` line, `\n` stands for a line break of a reply of
/// several lines). Any reply the script does not expect fails the run, so a
/// script also proves what the hub did *not* say. Blank lines and `#` comments are ignored.
package struct ConversationScript: Sendable {
    package let hub: Hub
    package let connector: String

    package init(hub: Hub, connector: String = "tester") {
        self.hub = hub
        self.connector = connector
    }

    package func run(_ script: String, sourceLocation: String = #fileID, line sourceLine: Int = #line) async throws {
        guard let bucket = hub.bucket(named: connector) else {
            throw ScriptFailure(line: 0, "no bucket connector named '\(connector)' in the hub")
        }
        var consumed: [Address: Int] = [:]
        var lastParty: Address?
        for (index, raw) in script.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNo = index + 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let step = try Step(parsing: line, line: lineNo, lastParty: lastParty)
            switch step {
            case .inbound(let from, let text):
                try await expectNoMoreReplies(bucket, consumed: consumed, before: lineNo)
                lastParty = from
                _ = try await hub.receive(InboundMessage(connector: connector, from: from, text: text))
                await hub.dispatcher.drain()
            case .reply(let to, let expected):
                let sent = bucket.sent(to: to)
                let next = consumed[to, default: 0]
                guard next < sent.count else {
                    throw ScriptFailure(line: lineNo, "expected \(to) to get \"\(expected)\", but nothing more was sent to it")
                }
                guard sent[next].text == expected else {
                    throw ScriptFailure(line: lineNo, "expected \(to) to get \"\(expected)\", but it got \"\(sent[next].text)\"")
                }
                consumed[to] = next + 1
            }
        }
        try await expectNoMoreReplies(bucket, consumed: consumed, before: nil)
    }

    func expectNoMoreReplies(_ bucket: BucketConnector, consumed: [Address: Int], before line: Int?) async throws {
        await hub.dispatcher.drain()
        var counts: [Address: Int] = [:]
        for item in bucket.sent() { counts[item.to, default: 0] += 1 }
        for (party, count) in counts where count > consumed[party, default: 0] {
            let extra = bucket.sent(to: party)[consumed[party, default: 0]]
            throw ScriptFailure(line: line ?? 0, "unexpected reply to \(party): \"\(extra.text)\"")
        }
    }

    enum Step {
        case inbound(Address, String)
        case reply(Address, String)

        init(parsing line: String, line lineNo: Int, lastParty: Address?) throws {
            if line.hasPrefix("<") {
                guard let party = lastParty else { throw ScriptFailure(line: lineNo, "a bare '<' line needs an earlier '>' line") }
                self = .reply(party, Self.text(after: line.dropFirst()).replacingOccurrences(of: "\\n", with: "\n"))
                return
            }
            guard let arrow = line.firstIndex(where: { $0 == ">" || $0 == "<" }) else {
                throw ScriptFailure(line: lineNo, "expected 'PARTY > text' or 'PARTY < text'")
            }
            let partyText = line[..<arrow].trimmingCharacters(in: .whitespaces)
            let party: Address
            do { party = try Address(parsing: partyText) } catch {
                throw ScriptFailure(line: lineNo, error.description)
            }
            let text = Self.text(after: line[line.index(after: arrow)...])
            self = line[arrow] == ">" ? .inbound(party, text) : .reply(party, text.replacingOccurrences(of: "\\n", with: "\n"))
        }

        static func text(after s: Substring) -> String {
            s.first == " " ? String(s.dropFirst()) : String(s)
        }
    }
}

/// A scripted conversation that did not go as written, with the script line that failed.
package struct ScriptFailure: Error, CustomStringConvertible, Sendable {
    package let line: Int
    package let message: String
    init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }
    package var description: String { "script line \(line): \(message)" }
}
