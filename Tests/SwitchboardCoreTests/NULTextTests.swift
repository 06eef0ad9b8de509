import Foundation
import SwitchboardCore
import Testing

/// NUL cannot be stored (SQLite's C API ends text at it): refused where the sender can fix
/// it, kept whole with U+FFFD from gateways that cannot, never cut silently.
@Suite struct NULTextTests {
    @Test func aSendWithNULIsRefusedNamingTheField() async throws {
        // The CLI (`switchboard send`), topic alerts and the API all send through Hub.send.
        let hub = try makeHub()
        for (request, field) in [
            (SendRequest(to: ["sms:+4712345678"], text: "before\u{0}after"), "'text'"),
            (SendRequest(to: ["mailto:a@example.org"], text: "x", subject: "a\u{0}b"), "'subject'"),
            (SendRequest(to: ["mailto:a@example.org"], text: "x", html: "<p>\u{0}</p>"), "'html'"),
            (SendRequest(to: ["sms:+47123\u{0}45678"], text: "x"), "'to'"),
        ] {
            let error = await #expect(throws: SwitchboardError.self) { try await hub.send(request, sender: "admin") }
            #expect(error?.code == "invalid_text" && error?.message.contains(field) == true, "\(String(describing: error))")
        }
        #expect(try await hub.store.nextDue() == nil, "nothing was queued")
    }

    @Test func anInboundMessageWithNULIsKeptWholeWithReplacementCharactersAndLogged() async throws {
        let logs = CapturedLogs()
        let hub = try makeHub(logger: logs.logger)
        let inbound = InboundMessage(
            connector: "tester",
            from: .email("kari@example.org"),
            text: "before\u{0}after\u{0}",
            subject: "sub\u{0}ject",
            html: "<p>fine</p>"
        )
        let result = try await hub.receive(inbound)
        let stored = try #require(try await hub.store.message(id: result.messageID)?.message)
        #expect(stored.text == "before\u{FFFD}after\u{FFFD}" && stored.subject == "sub\u{FFFD}ject" && stored.html == "<p>fine</p>")
        let warnings = logs.entries.filter { $0.level == .warning }
        #expect(warnings.map(\.message) == ["inbound message held NUL characters; each is kept as U+FFFD"])
        #expect(warnings.first?.metadata["fields"] == "text,subject" && warnings.first?.metadata["connector"] == "tester")
    }
}
