import NIOCore
import NIOSSL
import NIOTLS
import SwitchboardCore

/// What the connection asks of its handler: one request at a time, answered on `promise`.
struct SMTPRequest: Sendable {
    enum Kind: Sendable {
        case send(SMTPClientStateMachine.Envelope)
        case reset, noop, quit
    }
    var kind: Kind
    var promise: EventLoopPromise<SMTPClientStateMachine.TransactionResult?>
}

/// Carries out `SMTPClientStateMachine`'s actions on a channel: writes commands, adds TLS for
/// STARTTLS, keeps one timer per step, and completes the session and request promises.
///
/// Pipeline: `[NIOSSLClientHandler]` → `SMTPReplyDecoder` → `SMTPCommandEncoder` → this.
/// Keeps no protocol state of its own: every decision is the state machine's.
final class SMTPClientHandler: ChannelDuplexHandler {
    typealias InboundIn = SMTPReply
    typealias OutboundIn = SMTPRequest
    typealias OutboundOut = SMTPCommand

    private var machine: SMTPClientStateMachine
    private let timeout: TimeAmount
    private let tlsContext: NIOSSLContext?
    private let serverHostname: String?
    /// Completed when the session is ready (after greeting, EHLO, TLS, AUTH) or has failed.
    private var sessionPromise: EventLoopPromise<SMTPCapabilities>?
    private var request: SMTPRequest?
    private var timer: Scheduled<Void>?

    init(
        settings: SMTPClientStateMachine.Settings,
        timeout: TimeAmount,
        tlsContext: NIOSSLContext?,
        serverHostname: String?,
        sessionPromise: EventLoopPromise<SMTPCapabilities>
    ) {
        machine = SMTPClientStateMachine(settings: settings)
        self.timeout = timeout
        self.tlsContext = tlsContext
        self.serverHostname = serverHostname
        self.sessionPromise = sessionPromise
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)  // the greeting must come within the timeout
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        perform(machine.event(.reply(unwrapInboundIn(data))), context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { perform(machine.event(.tlsEstablished), context) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        perform(machine.event(.error(Self.describe(error))), context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        perform(machine.event(.closed), context)
        // Anything still waiting learns the connection is gone.
        let gone = ConnectorError.transient("connection closed")
        sessionPromise?.fail(gone)
        sessionPromise = nil
        request?.promise.fail(gone)
        request = nil
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let new = unwrapOutboundIn(data)
        promise?.succeed()
        guard request == nil, sessionPromise == nil else {
            new.promise.fail(ConnectorError.transient("SMTP connection is busy"))
            return
        }
        request = new
        let event: SMTPClientStateMachine.Event =
            switch new.kind {
            case .send(let envelope): .send(envelope)
            case .reset: .reset
            case .noop: .noop
            case .quit: .quit
            }
        perform(machine.event(event), context)
    }

    private func perform(_ action: SMTPClientStateMachine.Action, _ context: ChannelHandlerContext) {
        switch action {
        case .send(let command):
            arm(context)
            context.writeAndFlush(wrapOutboundOut(command), promise: nil)
        case .startTLS:
            arm(context)
            guard let tlsContext else {
                perform(machine.event(.error("TLS is not configured")), context)
                return
            }
            do {
                let tls = try NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname)
                try context.pipeline.syncOperations.addHandler(tls, position: .first)
            } catch {
                perform(machine.event(.error("could not start TLS: \(error)")), context)
            }
        case .sessionReady:
            disarm()
            sessionPromise?.succeed(machine.capabilities)
            sessionPromise = nil
        case .transactionDone(let result):
            disarm()
            let r = request
            request = nil
            r?.promise.succeed(result)
        case .requestDone:
            disarm()
            let r = request
            request = nil
            r?.promise.succeed(nil)
        case .fail(let error, let close):
            disarm()
            if let p = sessionPromise {
                sessionPromise = nil
                p.fail(error)
            }
            if let r = request {
                request = nil
                r.promise.fail(error)
            }
            if close { context.close(promise: nil) }
        case .close:
            disarm()
            if let r = request {
                request = nil
                r.promise.succeed(nil)
            }
            context.close(promise: nil)
        case .none:
            break
        }
    }

    private func arm(_ context: ChannelHandlerContext) {
        timer?.cancel()
        let loop = context.eventLoop.assumeIsolated()
        timer = loop.scheduleTask(in: timeout) { [self] in
            timer = nil
            perform(machine.event(.timeout), context)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }

    /// TLS and socket errors in words a person can act on.
    static func describe(_ error: any Error) -> String {
        if let e = error as? NIOSSLError {
            switch e {
            case .handshakeFailed(let inner): return "TLS handshake failed: \(inner)"
            default: return "TLS error: \(e)"
            }
        }
        if let e = error as? NIOSSLExtraError { return "TLS error: \(e)" }
        if let e = error as? SMTPProtocolError { return "protocol error: \(e)" }
        return "\(error)"
    }
}
