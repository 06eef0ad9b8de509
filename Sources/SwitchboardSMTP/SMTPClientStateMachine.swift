import Foundation
import NIOCore
import SwitchboardCore

/// The SMTP client protocol as a plain value: each event (a reply, the TLS handshake done, a
/// request from the connector, a timeout) moves it on and returns the one thing to do next.
/// `SMTPClientHandler` carries the actions out; tests drive this type event by event with no
/// network at all.
///
/// ```
/// greeting ─220─▶ EHLO ─250─▶ [STARTTLS ─220─▶ TLS handshake ─▶ EHLO] ─▶ [AUTH] ─▶ ready
///                   └─5xx─▶ HELO ─250─┘
/// ready ─send─▶ MAIL FROM ─▶ RCPT TO × n ─▶ DATA ─354─▶ body ─250─▶ ready (result per recipient)
/// ready ─reset/noop─▶ RSET/NOOP ─250─▶ ready          ready ─quit─▶ QUIT ─▶ closed
/// ```
///
/// Failures: a session failure (greeting, TLS, AUTH, a timeout, 421) closes the connection;
/// a refused MAIL FROM or a SIZE refusal only fails that transaction. Replies are classified
/// by `SMTPReply.error`: 4xx transient, 5xx permanent.
struct SMTPClientStateMachine {
    typealias TLSMode = SMTPTLSMode

    struct Settings: Sendable {
        /// The name the client gives in EHLO/HELO.
        var clientName: String
        var tls: TLSMode
        var username: String?
        var password: String?
        /// Only for `tls: none` to a loopback host; otherwise credentials never go out in clear.
        var allowAuthWithoutTLS = false
    }

    /// One message to hand over: envelope addresses and the prepared DATA bytes.
    struct Envelope: Sendable, Equatable {
        var from: String
        var recipients: [String]
        /// Dot-stuffed, ending in CRLF.CRLF (see `SMTPDataStuffing`).
        var body: ByteBuffer
        /// The message size before stuffing, compared with the server's SIZE.
        var size: Int

        init(from: String, recipients: [String], message: [UInt8]) {
            self.from = from
            self.recipients = recipients
            body = SMTPDataStuffing.stuff(message)
            size = message.count
        }
    }

    /// The server's answer for each recipient and, if any was accepted, to the message.
    struct TransactionResult: Sendable, Equatable {
        var recipients: [(address: String, reply: SMTPReply)]
        /// The reply to DATA (if not 354) or to the end of the message; nil if no recipient was accepted.
        var data: SMTPReply?

        static func == (a: Self, b: Self) -> Bool {
            a.data == b.data && a.recipients.map(\.address) == b.recipients.map(\.address) && a.recipients.map(\.reply) == b.recipients.map(\.reply)
        }
    }

    enum Event: Sendable {
        case reply(SMTPReply)
        case tlsEstablished
        case send(Envelope)
        case reset
        case noop
        case quit
        case timeout
        case closed
        case error(String)
    }

    enum Action: Sendable, Equatable {
        case send(SMTPCommand)
        /// Put TLS in front of the pipeline, then report `.tlsEstablished`.
        case startTLS
        case sessionReady
        case transactionDone(TransactionResult)
        /// RSET or NOOP succeeded.
        case requestDone
        /// The current step failed; `close` when the connection cannot be used again.
        case fail(ConnectorError, close: Bool)
        /// QUIT answered (or the connection is gone): close quietly.
        case close
        case none
    }

    private enum AuthStep { case final, loginUsername, loginPassword }

    private enum State {
        case greeting
        case ehlo
        case helo
        case startTLS
        case tlsHandshake
        case auth(AuthStep)
        case ready
        case mailFrom(Envelope)
        case rcptTo(Envelope, replies: [SMTPReply])
        case data(Envelope, replies: [SMTPReply])
        case dataBody(Envelope, replies: [SMTPReply])
        case reset
        case noop
        case quit
        case closed
    }

    let settings: Settings
    private var state: State = .greeting
    private(set) var capabilities = SMTPCapabilities()
    private(set) var tlsActive: Bool

    init(settings: Settings) {
        self.settings = settings
        tlsActive = settings.tls == .implicit
    }

    var isReady: Bool { if case .ready = state { true } else { false } }
    var isClosed: Bool { if case .closed = state { true } else { false } }

    /// What is being waited for, for timeout and close messages.
    var step: String {
        switch state {
        case .greeting: "the greeting"
        case .ehlo: "EHLO"
        case .helo: "HELO"
        case .startTLS: "STARTTLS"
        case .tlsHandshake: "the TLS handshake"
        case .auth: "AUTH"
        case .ready: "the next command"
        case .mailFrom: "MAIL FROM"
        case .rcptTo: "RCPT TO"
        case .data: "DATA"
        case .dataBody: "the end of the message"
        case .reset: "RSET"
        case .noop: "NOOP"
        case .quit: "QUIT"
        case .closed: "nothing (closed)"
        }
    }

    mutating func event(_ event: Event) -> Action {
        switch event {
        case .reply(let reply): return received(reply)
        case .tlsEstablished:
            guard case .tlsHandshake = state else { return .none }  // implicit TLS: before the greeting
            tlsActive = true
            capabilities = SMTPCapabilities()
            state = .ehlo
            return .send(.ehlo(settings.clientName))
        case .send(let envelope): return send(envelope)
        case .reset: return simple(.reset, .rset)
        case .noop: return simple(.noop, .noop)
        case .quit:
            if case .closed = state { return .close }
            state = .quit
            return .send(.quit)
        case .timeout:
            if case .closed = state { return .none }
            if case .quit = state {
                state = .closed
                return .close
            }
            return fail(.transient("no answer to \(step) within the timeout"))
        case .closed:
            switch state {
            case .closed: return .none
            case .quit:
                state = .closed
                return .close
            default: return fail(.transient("the server closed the connection while waiting for \(step)"))
            }
        case .error(let message):
            if case .closed = state { return .none }
            if case .quit = state {
                state = .closed
                return .close
            }
            return fail(.transient("\(message) (while waiting for \(step))"))
        }
    }

    // MARK: - Requests

    private mutating func simple(_ next: State, _ command: SMTPCommand) -> Action {
        guard case .ready = state else { return .fail(.transient("connection busy with \(step)"), close: false) }
        state = next
        return .send(command)
    }

    private mutating func send(_ envelope: Envelope) -> Action {
        guard case .ready = state else { return .fail(.transient("connection busy with \(step)"), close: false) }
        guard !envelope.recipients.isEmpty else { return .fail(.permanent("no recipients"), close: false) }
        if let limit = capabilities.sizeLimit, envelope.size > limit {
            return .fail(.permanent("message is \(envelope.size) bytes; the server accepts at most \(limit) (SIZE)"), close: false)
        }
        let addresses = [envelope.from] + envelope.recipients
        let needsUTF8 = addresses.contains { !$0.utf8.allSatisfy { $0 < 128 } }
        if needsUTF8 && !capabilities.smtpUTF8 {
            return .fail(.permanent("an address is not ASCII and the server does not offer SMTPUTF8"), close: false)
        }
        var parameters: [String] = []
        if capabilities.advertisesSize { parameters.append("SIZE=\(envelope.size)") }
        if needsUTF8 { parameters.append("SMTPUTF8") }
        state = .mailFrom(envelope)
        return .send(.mailFrom(envelope.from, parameters: parameters))
    }

    // MARK: - Replies

    private mutating func received(_ reply: SMTPReply) -> Action {
        // 421: the server is closing the channel, whatever we were doing.
        if reply.code == 421, !isQuitOrClosed {
            return fail(.transient("server is closing the connection during \(step): \(reply)"))
        }
        switch state {
        case .greeting:
            guard reply.code == 220 else { return fail(reply.error("server refused the session")) }
            state = .ehlo
            return .send(.ehlo(settings.clientName))

        case .ehlo:
            if reply.isPositive {
                capabilities = SMTPCapabilities(ehlo: reply)
                return afterHello()
            }
            if reply.isPermanentFailure {
                state = .helo
                return .send(.helo(settings.clientName))
            }
            return fail(reply.error("EHLO refused"))

        case .helo:
            guard reply.isPositive else { return fail(reply.error("HELO refused")) }
            capabilities = SMTPCapabilities()
            return afterHello()

        case .startTLS:
            guard reply.code == 220 else { return fail(.transient("STARTTLS refused: \(reply)")) }
            state = .tlsHandshake
            return .startTLS

        case .tlsHandshake:
            // Bytes after the STARTTLS answer but before TLS: possibly injected; never trust them.
            return fail(.transient("server sent a reply before the TLS handshake: \(reply)"))

        case .auth(let step):
            return authReply(step, reply)

        case .ready:
            return fail(.transient("unexpected reply from the server: \(reply)"))

        case .mailFrom(let envelope):
            guard reply.isPositive else {
                state = .ready
                return .fail(reply.error("MAIL FROM:<\(envelope.from)> refused"), close: false)
            }
            state = .rcptTo(envelope, replies: [])
            return .send(.rcptTo(envelope.recipients[0]))

        case .rcptTo(let envelope, var replies):
            replies.append(reply)
            if replies.count < envelope.recipients.count {
                state = .rcptTo(envelope, replies: replies)
                return .send(.rcptTo(envelope.recipients[replies.count]))
            }
            guard replies.contains(where: \.isPositive) else {
                // Nobody to send to: report; the pool resets the connection before its next use.
                state = .ready
                return .transactionDone(result(envelope, replies, data: nil))
            }
            state = .data(envelope, replies: replies)
            return .send(.data)

        case .data(let envelope, let replies):
            guard reply.code == 354 else {
                state = .ready
                return .transactionDone(result(envelope, replies, data: reply))
            }
            state = .dataBody(envelope, replies: replies)
            return .send(.messageBody(envelope.body))

        case .dataBody(let envelope, let replies):
            state = .ready
            return .transactionDone(result(envelope, replies, data: reply))

        case .reset, .noop:
            guard reply.isPositive else { return fail(reply.error("\(step) refused")) }
            state = .ready
            return .requestDone

        case .quit:
            state = .closed
            return .close

        case .closed:
            return .none
        }
    }

    private var isQuitOrClosed: Bool {
        switch state {
        case .quit, .closed: true
        default: false
        }
    }

    private func result(_ envelope: Envelope, _ replies: [SMTPReply], data: SMTPReply?) -> TransactionResult {
        TransactionResult(recipients: Array(zip(envelope.recipients, replies)).map { (address: $0.0, reply: $0.1) }, data: data)
    }

    /// After EHLO/HELO: upgrade to TLS if asked and not yet done, then authenticate, then ready.
    private mutating func afterHello() -> Action {
        if settings.tls == .starttls && !tlsActive {
            guard capabilities.startTLS else {
                return fail(.transient("server does not offer STARTTLS (tls: starttls); not sending anything in clear"))
            }
            state = .startTLS
            return .send(.startTLS)
        }
        guard let username = settings.username else {
            state = .ready
            return .sessionReady
        }
        guard tlsActive || settings.allowAuthWithoutTLS else {
            return fail(.permanent("refusing to authenticate without TLS; use tls: starttls or implicit"))
        }
        let mechanisms = capabilities.authMechanisms
        let password = settings.password ?? ""
        if mechanisms.contains("PLAIN") {
            state = .auth(.final)
            let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
            return .send(.auth(mechanism: "PLAIN", initialResponse: token))
        }
        if mechanisms.contains("LOGIN") {
            state = .auth(.loginUsername)
            return .send(.auth(mechanism: "LOGIN", initialResponse: nil))
        }
        if mechanisms.isEmpty { return fail(.permanent("server does not offer AUTH, but a username is configured")) }
        return fail(.permanent("server offers AUTH \(mechanisms.sorted().joined(separator: " ")), but only PLAIN and LOGIN are supported"))
    }

    private mutating func authReply(_ step: AuthStep, _ reply: SMTPReply) -> Action {
        switch step {
        case .final:
            guard reply.isPositive else {
                return fail(
                    reply.isTransientFailure
                        ? reply.error("authentication failed") : .permanent("authentication failed (check username and password): \(reply)")
                )
            }
            state = .ready
            return .sessionReady
        case .loginUsername, .loginPassword:
            guard reply.code == 334 else {
                return fail(
                    reply.isTransientFailure ? reply.error("authentication failed") : .permanent("authentication failed (AUTH LOGIN): \(reply)")
                )
            }
            let value = step == .loginUsername ? settings.username ?? "" : settings.password ?? ""
            state = .auth(step == .loginUsername ? .loginPassword : .final)
            return .send(.authResponse(Data(value.utf8).base64EncodedString()))
        }
    }

    private mutating func fail(_ error: ConnectorError) -> Action {
        state = .closed
        return .fail(error, close: true)
    }
}
