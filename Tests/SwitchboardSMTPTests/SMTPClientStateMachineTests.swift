import Foundation
import NIOCore
import SwitchboardCore
import Testing

@testable import SwitchboardSMTP

@Suite("SMTP client state machine")
struct SMTPClientStateMachineTests {
    typealias Machine = SMTPClientStateMachine

    func machine(tls: SMTPTLSMode = .none, user: String? = nil, password: String? = nil, loopback: Bool = false) -> Machine {
        Machine(settings: .init(clientName: "hub.example.org", tls: tls, username: user, password: password, allowAuthWithoutTLS: loopback))
    }

    static let ehloPlain = SMTPReply(code: 250, lines: ["mx.example.org", "SIZE 1000", "8BITMIME", "AUTH PLAIN LOGIN"])
    static let ehloTLS = SMTPReply(code: 250, lines: ["mx.example.org", "STARTTLS", "SIZE 1000"])

    /// A machine that has passed greeting and EHLO with no TLS and no AUTH.
    func ready(ehlo: SMTPReply = ehloPlain) -> Machine {
        var m = machine()
        #expect(m.event(.reply(.init(220, "mx ESMTP"))) == .send(.ehlo("hub.example.org")))
        #expect(m.event(.reply(ehlo)) == .sessionReady)
        return m
    }

    func envelope(_ recipients: [String], _ text: String = "Subject: x\r\n\r\nhi\r\n") -> Machine.Envelope {
        Machine.Envelope(from: "alerts@hub.example.org", recipients: recipients, message: Array(text.utf8))
    }

    @Test("greeting, multi-line EHLO, and the session is ready with the capabilities read")
    func greetingAndEHLO() {
        let m = ready()
        #expect(m.isReady)
        #expect(m.capabilities.sizeLimit == 1000)
        #expect(m.capabilities.authMechanisms == ["PLAIN", "LOGIN"])
        #expect(!m.capabilities.startTLS)
    }

    @Test("a 5xx to EHLO falls back to HELO; a refused greeting fails the session by its code")
    func heloFallback() {
        var m = machine()
        _ = m.event(.reply(.init(220, "old server")))
        #expect(m.event(.reply(.init(502, "command not implemented"))) == .send(.helo("hub.example.org")))
        #expect(m.event(.reply(.init(250, "hello"))) == .sessionReady)
        #expect(m.capabilities == SMTPCapabilities())

        var busy = machine()
        guard case .fail(let e, close: true) = busy.event(.reply(.init(554, "no service for you"))) else {
            Issue.record("expected fail")
            return
        }
        #expect(e.kind == .permanent)
        var later = machine()
        guard case .fail(let e2, close: true) = later.event(.reply(.init(421, "too busy"))) else {
            Issue.record("expected fail")
            return
        }
        #expect(e2.kind == .transient)
    }

    @Test("STARTTLS: command, upgrade action, then EHLO again over TLS before anything else")
    func startTLS() {
        var m = machine(tls: .starttls, user: "u", password: "p")
        _ = m.event(.reply(.init(220, "mx")))
        #expect(m.event(.reply(Self.ehloTLS)) == .send(.startTLS))
        #expect(m.event(.reply(.init(220, "go ahead"))) == .startTLS)
        #expect(!m.tlsActive)
        #expect(m.event(.tlsEstablished) == .send(.ehlo("hub.example.org")))
        #expect(m.tlsActive)
        let afterTLS = SMTPReply(code: 250, lines: ["mx", "AUTH PLAIN", "SIZE 5000"])
        let token = Data("\0u\0p".utf8).base64EncodedString()
        #expect(m.event(.reply(afterTLS)) == .send(.auth(mechanism: "PLAIN", initialResponse: token)))
        #expect(m.event(.reply(.init(235, "2.7.0 Authentication successful"))) == .sessionReady)
        #expect(m.capabilities.sizeLimit == 5000, "capabilities are those said over TLS")
    }

    @Test("a reply arriving between the STARTTLS answer and the handshake is refused (injection)")
    func startTLSInjection() {
        var m = machine(tls: .starttls)
        _ = m.event(.reply(.init(220, "mx")))
        _ = m.event(.reply(Self.ehloTLS))
        #expect(m.event(.reply(.init(220, "go ahead"))) == .startTLS)
        guard case .fail(let e, close: true) = m.event(.reply(.init(250, "injected"))) else {
            Issue.record("expected fail")
            return
        }
        #expect(e.kind == .transient)
    }

    @Test("a server without STARTTLS is never talked to in clear when tls is starttls")
    func noStartTLS() {
        var m = machine(tls: .starttls, user: "u", password: "p")
        _ = m.event(.reply(.init(220, "mx")))
        guard case .fail(let e, close: true) = m.event(.reply(Self.ehloPlain)) else {
            Issue.record("expected fail")
            return
        }
        #expect(e.message.contains("STARTTLS"))
    }

    @Test("AUTH is refused without TLS unless allowed for loopback")
    func authNeedsTLS() {
        var m = machine(tls: .none, user: "u", password: "p")
        _ = m.event(.reply(.init(220, "mx")))
        guard case .fail(let e, close: true) = m.event(.reply(Self.ehloPlain)) else {
            Issue.record("expected fail")
            return
        }
        #expect(e.kind == .permanent && e.message.contains("without TLS"))

        var local = machine(tls: .none, user: "u", password: "p", loopback: true)
        _ = local.event(.reply(.init(220, "mx")))
        guard case .send(.auth(mechanism: "PLAIN", _)) = local.event(.reply(Self.ehloPlain)) else {
            Issue.record("expected AUTH PLAIN")
            return
        }
    }

    @Test("AUTH LOGIN when PLAIN is not offered: username and password each answer a 334")
    func authLogin() {
        var m = machine(tls: .implicit, user: "alice", password: "s3cret")
        _ = m.event(.reply(.init(220, "mx")))
        #expect(
            m.event(.reply(SMTPReply(code: 250, lines: ["mx", "AUTH LOGIN CRAM-MD5"]))) == .send(.auth(mechanism: "LOGIN", initialResponse: nil))
        )
        #expect(m.event(.reply(.init(334, "VXNlcm5hbWU6"))) == .send(.authResponse("YWxpY2U=")))
        #expect(m.event(.reply(.init(334, "UGFzc3dvcmQ6"))) == .send(.authResponse("czNjcmV0")))
        #expect(m.event(.reply(.init(235, "ok"))) == .sessionReady)
    }

    @Test("wrong credentials are permanent, a temporary AUTH failure transient, no usable mechanism permanent")
    func authFailures() {
        func afterAuth(_ reply: SMTPReply, mechanisms: String = "AUTH PLAIN") -> Machine.Action {
            var m = machine(tls: .implicit, user: "u", password: "p")
            _ = m.event(.reply(.init(220, "mx")))
            let first = m.event(.reply(SMTPReply(code: 250, lines: ["mx", mechanisms])))
            guard case .send = first else { return first }
            return m.event(.reply(reply))
        }
        guard case .fail(let wrong, close: true) = afterAuth(.init(535, "5.7.8 bad credentials")) else {
            Issue.record()
            return
        }
        #expect(wrong.kind == .permanent && wrong.message.contains("authentication failed"))
        guard case .fail(let temp, close: true) = afterAuth(.init(454, "4.7.0 try later")) else {
            Issue.record()
            return
        }
        #expect(temp.kind == .transient)
        guard case .fail(let none, close: true) = afterAuth(.init(250, "x"), mechanisms: "AUTH CRAM-MD5 XOAUTH2") else {
            Issue.record()
            return
        }
        #expect(none.kind == .permanent && none.message.contains("only PLAIN and LOGIN"))
    }

    @Test("three recipients, one refused: DATA goes to the two accepted, each recipient has its reply")
    func perRecipient() {
        var m = ready()
        let env = envelope(["a@x.org", "bad@x.org", "c@x.org"])
        #expect(m.event(.send(env)) == .send(.mailFrom("alerts@hub.example.org", parameters: ["SIZE=\(env.size)"])))
        #expect(m.event(.reply(.init(250, "ok"))) == .send(.rcptTo("a@x.org")))
        #expect(m.event(.reply(.init(250, "ok"))) == .send(.rcptTo("bad@x.org")))
        #expect(m.event(.reply(.init(550, "5.1.1 no such user"))) == .send(.rcptTo("c@x.org")))
        #expect(m.event(.reply(.init(450, "4.2.0 mailbox busy"))) == .send(.data))
        #expect(m.event(.reply(.init(354, "go on"))) == .send(.messageBody(env.body)))
        guard case .transactionDone(let result) = m.event(.reply(.init(250, "2.0.0 queued as ABC"))) else {
            Issue.record()
            return
        }
        #expect(m.isReady)
        let r = RecipientResult.results(result)
        #expect(r["a@x.org"] == .accepted(.init(250, "2.0.0 queued as ABC")))
        #expect(r["bad@x.org"]?.error?.kind == .permanent)
        #expect(r["bad@x.org"]?.error?.message.contains("550 5.1.1 no such user") == true)
        #expect(r["c@x.org"]?.error?.kind == .transient)
    }

    @Test("when every recipient is refused no DATA is sent; a refused message fails the accepted ones by its code")
    func allRefusedAndDataRefused() {
        var m = ready()
        _ = m.event(.send(envelope(["a@x.org"])))
        _ = m.event(.reply(.init(250, "ok")))
        guard case .transactionDone(let none) = m.event(.reply(.init(550, "no"))) else {
            Issue.record()
            return
        }
        #expect(none.data == nil && m.isReady)

        var n = ready()
        _ = n.event(.send(envelope(["a@x.org", "b@x.org"])))
        _ = n.event(.reply(.init(250, "ok")))
        _ = n.event(.reply(.init(250, "ok")))
        _ = n.event(.reply(.init(250, "ok")))
        _ = n.event(.reply(.init(354, "go")))
        guard case .transactionDone(let t) = n.event(.reply(.init(552, "5.3.4 too big"))) else {
            Issue.record()
            return
        }
        #expect(RecipientResult.results(t).values.allSatisfy { $0.error?.kind == .permanent })
    }

    @Test("a refused MAIL FROM fails the transaction by its code and keeps the session")
    func mailFromRefused() {
        var m = ready()
        _ = m.event(.send(envelope(["a@x.org"])))
        guard case .fail(let e, close: false) = m.event(.reply(.init(451, "4.3.0 try later"))) else {
            Issue.record()
            return
        }
        #expect(e.kind == .transient && m.isReady)
    }

    @Test("a message larger than the server's SIZE is refused before MAIL FROM")
    func sizeRefusal() {
        var m = ready()
        let big = envelope(["a@x.org"], String(repeating: "x", count: 1001))
        guard case .fail(let e, close: false) = m.event(.send(big)) else {
            Issue.record()
            return
        }
        #expect(e.kind == .permanent && e.message.contains("1001 bytes") && e.message.contains("at most 1000"))
        #expect(m.isReady)
    }

    @Test("421 at any step, a timeout or a closed connection are transient and close the session")
    func sessionFailures() {
        var m = ready()
        _ = m.event(.send(envelope(["a@x.org"])))
        guard case .fail(let e, close: true) = m.event(.reply(.init(421, "shutting down"))) else {
            Issue.record()
            return
        }
        #expect(e.kind == .transient && m.isClosed)

        var t = ready()
        _ = t.event(.send(envelope(["a@x.org"])))
        guard case .fail(let te, close: true) = t.event(.timeout) else {
            Issue.record()
            return
        }
        #expect(te.kind == .transient && te.message.contains("MAIL FROM"))

        var c = machine()
        guard case .fail(let ce, close: true) = c.event(.closed) else {
            Issue.record()
            return
        }
        #expect(ce.message.contains("greeting"))
    }

    @Test("RSET and NOOP before reuse; QUIT then close")
    func resetNoopQuit() {
        var m = ready()
        #expect(m.event(.reset) == .send(.rset))
        #expect(m.event(.reply(.init(250, "ok"))) == .requestDone)
        #expect(m.event(.noop) == .send(.noop))
        #expect(m.event(.reply(.init(250, "ok"))) == .requestDone)
        #expect(m.event(.quit) == .send(.quit))
        #expect(m.event(.reply(.init(221, "bye"))) == .close)
        #expect(m.event(.closed) == .none)
    }

    @Test("dot-stuffing doubles leading dots, makes every line end CRLF and adds the terminator")
    func dotStuffing() {
        let stuffed = SMTPDataStuffing.stuff(Array("a\n.hidden\r\n..x\r.\nlast".utf8))
        #expect(String(buffer: stuffed) == "a\r\n..hidden\r\n...x\r\n..\r\nlast\r\n.\r\n")
        #expect(String(buffer: SMTPDataStuffing.stuff(Array(".\r\n".utf8))) == "..\r\n.\r\n")
        #expect(String(buffer: SMTPDataStuffing.stuff([])) == ".\r\n")
    }

    @Test("commands are written as CRLF lines; credentials never appear in their redacted form")
    func commandLines() throws {
        var out = ByteBuffer()
        try SMTPCommandEncoder().encode(data: .mailFrom("a@x.org", parameters: ["SIZE=10"]), out: &out)
        try SMTPCommandEncoder().encode(data: .rcptTo("b@x.org"), out: &out)
        #expect(String(buffer: out) == "MAIL FROM:<a@x.org> SIZE=10\r\nRCPT TO:<b@x.org>\r\n")
        #expect(SMTPCommand.auth(mechanism: "PLAIN", initialResponse: "c2VjcmV0").redacted == "AUTH PLAIN ***")
        #expect(SMTPCommand.authResponse("c2VjcmV0").redacted == "***")
    }
}
