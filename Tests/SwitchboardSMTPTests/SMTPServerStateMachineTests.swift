import Foundation
import Testing

@testable import SwitchboardSMTP

@Suite("SMTP/LMTP server state machine")
struct SMTPServerStateMachineTests {
    typealias Machine = SMTPServerStateMachine

    func machine(_ kind: Machine.ProtocolKind = .smtp, maxSize: Int = 1000) -> Machine {
        var m = Machine(settings: .init(hostname: "mx.test", protocolKind: kind, domains: ["alerts.example.org"], maxSize: maxSize))
        _ = m.event(.connected)
        return m
    }

    /// Sends one line; a recipient look-up it asks for is answered `known`, or `unknown` for
    /// the addresses in `unknown`, as the session would with the sink's answer.
    func say(_ m: inout Machine, _ line: String, unknown: Set<String> = []) -> Machine.Action {
        let action = m.event(.line(Array(line.utf8)))
        if case .checkRecipient(let r) = action { return m.event(.recipientChecked(unknown.contains(r) ? .unknown : .known)) }
        return action
    }
    func code(_ a: Machine.Action) -> [Int] {
        switch a {
        case .reply(let r): r.map(\.code)
        case .replyAndClose(let r): [r.code]
        default: []
        }
    }

    @Test("a whole SMTP conversation: 250 for the end of data only after the sink's verdict")
    func conversation() {
        var m = machine()
        #expect(code(say(&m, "EHLO client.example.org")) == [250])
        #expect(code(say(&m, "MAIL FROM:<kari@example.org> SIZE=100")) == [250])
        #expect(code(say(&m, "RCPT TO:<ops@alerts.example.org>")) == [250])
        #expect(code(say(&m, "RCPT TO:<Duty@ALERTS.example.org>")) == [250])
        #expect(code(say(&m, "DATA")) == [354])
        #expect(say(&m, "Subject: hi") == .none)
        #expect(say(&m, "") == .none)
        #expect(say(&m, "..a stuffed line") == .none)
        let end = say(&m, ".")
        #expect(
            end
                == .deliver(
                    .init(
                        from: "kari@example.org",
                        recipients: ["ops@alerts.example.org", "Duty@ALERTS.example.org"],
                        data: Array("Subject: hi\r\n\r\n.a stuffed line\r\n".utf8)
                    )
                )
        )
        #expect(code(m.event(.delivered([true, true]))) == [250])
        #expect(code(m.event(.delivered([true]))) == [], "no second verdict")
        #expect(code(say(&m, "MAIL FROM:<>")) == [250], "the null sender of bounces is accepted")
        #expect(code(say(&m, "QUIT")) == [221])
    }

    @Test("recipients outside the configured domains get 550; DATA without recipients 554")
    func domains() {
        var m = machine()
        _ = say(&m, "EHLO c")
        _ = say(&m, "MAIL FROM:<a@b.org>")
        #expect(code(say(&m, "RCPT TO:<someone@elsewhere.org>")) == [550])
        #expect(code(say(&m, "RCPT TO:<no-domain>")) == [550])
        #expect(code(say(&m, "DATA")) == [554])
    }

    @Test("a recipient in the domains is looked up: unknown gets 550, a failed look-up 451, known 250")
    func recipientLookup() {
        var m = machine()
        _ = say(&m, "EHLO c")
        _ = say(&m, "MAIL FROM:<a@b.org>")
        #expect(m.event(.line(Array("RCPT TO:<nobody@alerts.example.org>".utf8))) == .checkRecipient("nobody@alerts.example.org"))
        let refused = m.event(.recipientChecked(.unknown))
        #expect(code(refused) == [550])
        guard case .reply(let r) = refused else {
            Issue.record("no reply")
            return
        }
        #expect(r[0].lines[0].contains("nobody@alerts.example.org") && r[0].lines[0].contains("no such user or contact"))
        #expect(m.event(.line(Array("RCPT TO:<ops@alerts.example.org>".utf8))) == .checkRecipient("ops@alerts.example.org"))
        #expect(code(m.event(.recipientChecked(.lookupFailed))) == [451])
        #expect(code(say(&m, "DATA")) == [554], "neither was taken")
        #expect(code(say(&m, "RCPT TO:<ops@alerts.example.org>")) == [250])
        #expect(code(m.event(.recipientChecked(.known))) == [], "a verdict nobody asked for is ignored")
        #expect(code(say(&m, "DATA")) == [354])
        #expect(say(&m, "hi") == .none)
        #expect(say(&m, ".") == .deliver(.init(from: "a@b.org", recipients: ["ops@alerts.example.org"], data: Array("hi\r\n".utf8))))
    }

    @Test("a failed commit answers 451 so the sender tries again")
    func sinkFailure() {
        var m = machine()
        for l in ["EHLO c", "MAIL FROM:<a@b.org>", "RCPT TO:<x@alerts.example.org>", "DATA", "."] { _ = say(&m, l) }
        #expect(code(m.event(.delivered([false]))) == [451])
    }

    @Test("LMTP: LHLO only, and one answer per recipient after the data")
    func lmtp() {
        var m = machine(.lmtp)
        #expect(code(say(&m, "EHLO c")) == [500])
        #expect(code(say(&m, "LHLO c")) == [250])
        for l in ["MAIL FROM:<a@b.org>", "RCPT TO:<x@alerts.example.org>", "RCPT TO:<y@alerts.example.org>", "DATA", "body", "."] { _ = say(&m, l) }
        #expect(code(m.event(.delivered([true, false]))) == [250, 451])
    }

    @Test("mail over max_size gets 552, announced (SIZE=) or found while reading")
    func sizeLimit() {
        var m = machine(maxSize: 1024)
        _ = say(&m, "EHLO c")
        #expect(code(say(&m, "MAIL FROM:<a@b.org> SIZE=5000")) == [552])
        _ = say(&m, "MAIL FROM:<a@b.org>")
        _ = say(&m, "RCPT TO:<x@alerts.example.org>")
        _ = say(&m, "DATA")
        for _ in 0..<30 { #expect(say(&m, String(repeating: "x", count: 70)) == .none) }
        #expect(code(say(&m, ".")) == [552])
        #expect(code(say(&m, "MAIL FROM:<a@b.org>")) == [250], "the session goes on")
    }

    @Test("a 10 MB mail grows its body in place: storage moves only when it grows, never once per line")
    func largeMailIsNotCopiedPerLine() {
        let size = 10 << 20
        var m = machine(maxSize: size + 1024)
        for l in ["EHLO c", "MAIL FROM:<a@b.org>", "RCPT TO:<x@alerts.example.org>", "DATA"] { _ = say(&m, l) }
        let line = Array(repeating: UInt8(ascii: "x"), count: 998)
        let lines = size / (line.count + 2)
        var moves = 0
        var storage = m.bodyStorage
        for _ in 0..<lines {
            _ = m.event(.line(line))
            let now = m.bodyStorage
            if now != storage { moves += 1 }
            storage = now
        }
        // Growing by doubling moves the storage a few dozen times at most; copying the body
        // for every line (the state and the appended copy sharing it) moves it every line.
        #expect(moves < 64, "the body moved \(moves) times over \(lines) lines")
        guard case .deliver(let mail) = say(&m, ".") else {
            Issue.record("the mail was not delivered")
            return
        }
        #expect(mail.data.count == lines * 1000)
    }

    @Test("commands out of order get 503, unknown ones 500")
    func sequence() {
        var m = machine()
        #expect(code(say(&m, "MAIL FROM:<a@b.org>")) == [503])
        _ = say(&m, "HELO c")
        #expect(code(say(&m, "RCPT TO:<x@alerts.example.org>")) == [503])
        #expect(code(say(&m, "DATA")) == [503])
        #expect(code(say(&m, "FROB")) == [500])
        #expect(code(say(&m, "STARTTLS")) == [502])
    }

    @Test("a multi-line reply is written with '-' on all but the last line")
    func wireText() {
        #expect(SMTPReply(code: 250, lines: ["a", "b", "c"]).wireText == "250-a\r\n250-b\r\n250 c\r\n")
    }
}
