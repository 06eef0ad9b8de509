import Logging
import NIOCore
import NIOHTTP1
import SwitchboardCore

/// Keeps one HTTP/1 connection from being held open by a client that does not finish what
/// it started, and answers what NIO's parser cannot read.
///
/// Sits right after the request decoder (before the WebSocket upgrade handler and
/// Hummingbird's handlers), in the place of NIO's `HTTPServerProtocolErrorHandler`:
/// - a parser error becomes its own answer (400, 414, 431 or 501 with `Connection: close`),
///   written at once, or after the responses still owed to earlier pipelined requests, and
///   the connection is closed; the error goes no further, so nothing else answers it twice;
/// - the timeouts of `HTTPConnectionGuardState` close idle connections and answer 408 to a
///   head or body that stops coming;
/// - an upgrade request no upgrader takes (a WebSocket upgrade of a path that is not a
///   topic's) is handed on as a plain request: NIO's upgrade handler swallows such a head,
///   which would otherwise leave the client waiting for ever.
///
/// After its own answer the guard closes as Apache and nginx do ("lingering close"): it
/// shuts its side, then reads and drops what the client still sends, until the client
/// closes or goes quiet, within `Linger`'s bounds. Closing with unread input would make the
/// kernel send a reset, which discards the answer before a client that writes its whole
/// request before reading (Python's http.client) can read it.
///
/// Removed from the pipeline when a topic's WebSocket upgrade succeeds.
final class HTTPConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let settings: TransportSettings
    private var state: HTTPConnectionGuardState
    private let probe: HTTPRequestLineProbe
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var timerAt: NIODeadline?
    /// A request part came in the current read: its bytes are accounted for.
    private var partThisRead = false
    /// A refusal that waits for the responses still owed.
    private var pendingRefusal: HTTPRefusal?
    /// The guard has answered: what comes in is dropped, what the app writes is refused.
    private var finished = false
    /// The first request, when it asked for an upgrade (see the type's comment).
    private var upgradeRequest: (head: HTTPRequestHead, ended: Bool)?
    private var firstRequest = true
    private var linger: Linger?
    private var lingerTimer: Scheduled<Void>?

    /// Bounds of a lingering close: the longest it lasts, the longest silence it waits
    /// through and the most bytes it drops.
    struct Linger {
        static let time = TimeAmount.seconds(10)
        static let quiet = TimeAmount.seconds(2)
        static let bytes = 64 << 20

        let until: NIODeadline
        var quietUntil: NIODeadline
        let bytesLimit: Int

        var deadline: NIODeadline { min(until, quietUntil) }
    }

    init(settings: TransportSettings, probe: HTTPRequestLineProbe, logger: Logger) {
        self.settings = settings
        state = Self.state(settings, now: .now())
        self.probe = probe
        self.logger = logger
    }

    private static func state(_ settings: TransportSettings, now: NIODeadline) -> HTTPConnectionGuardState {
        HTTPConnectionGuardState(
            idleTimeout: .nanoseconds(Int64(settings.idleTimeout * 1e9)),
            headTimeout: .nanoseconds(Int64(settings.requestHeadTimeout * 1e9)),
            bodyTimeout: .nanoseconds(Int64(settings.bodyTimeout * 1e9)),
            now: now
        )
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // Times come from the event loop's clock, which tests can move.
        state = Self.state(settings, now: context.eventLoop.now)
        reschedule(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        lingerTimer?.cancel()
        lingerTimer = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if linger != nil {
            lingered(context)
            return
        }
        guard !finished, pendingRefusal == nil else { return }
        partThisRead = true
        let now = context.eventLoop.now
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            state.headRead(now: now)
            if firstRequest, !head.headers[canonicalForm: "upgrade"].isEmpty { upgradeRequest = (head, false) }
            firstRequest = false
        case .body:
            state.bodyProgress(now: now)
        case .end:
            state.endRead()
            upgradeRequest?.ended = true
        }
        reschedule(context)
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if linger != nil {
            context.read()
            return
        }
        if !partThisRead {
            state.bytesArrived(now: context.eventLoop.now)
            reschedule(context)
        }
        partThisRead = false
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        // The hub wants more: time waiting for the body counts from here, not from a part
        // that sat in a buffer while a handler was busy.
        state.bodyProgress(now: context.eventLoop.now)
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !finished else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        switch Self.unwrapOutboundIn(data) {
        case .head(let head):
            if head.status.code >= 200 { state.responseHeadWritten() }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            state.responseEndWritten(now: context.eventLoop.now)
            context.write(data, promise: promise)
            if let refusal = pendingRefusal, state.unanswered == 0 { answer(refusal, context: context) }
            reschedule(context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if finished {
            // The decoder reports every byte after its error; nothing more is to be said.
            if linger != nil, error is ByteToMessageDecoderError || error is HTTPParserError {
                lingered(context)
            } else {
                context.close(promise: nil)
            }
            return
        }
        if pendingRefusal != nil, error is ByteToMessageDecoderError {
            // More bytes after the parse error, while an earlier answer is still being
            // written: dropped, so that answer is not cut short.
            return
        }
        guard let error = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        let refusal = HTTPRefusal.parse(error, inRequestLine: probe.requestLineTooLong)
        logger.debug("unparseable request", metadata: ["error": "\(error)", "status": "\(refusal.status.code)"])
        refuse(refusal, context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        lingerTimer?.cancel()
        lingerTimer = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if linger != nil, let event = event as? ChannelEvent, event == .inputClosed {
            // The client has sent all it will: the answer is safe, the door can shut.
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Called when the upgrade handler ran no upgrader: the request it swallowed goes on
    /// to the HTTP handlers now installed, as if it had asked for no upgrade.
    func replayRefusedUpgrade() {
        guard let context, let request = upgradeRequest else { return }
        upgradeRequest = nil
        context.fireChannelRead(Self.wrapInboundOut(.head(request.head)))
        if request.ended { context.fireChannelRead(Self.wrapInboundOut(.end(nil))) }
    }

    // MARK: - Carrying out

    private func refuse(_ refusal: HTTPRefusal, context: ChannelHandlerContext) {
        if state.responseOpen {
            // A response is half written: nothing more can be said on this connection.
            finish(context)
        } else if case .body = state.reading {
            // The request being read is the one at fault; if it was answered already, close.
            if state.unanswered == 0 { finish(context) } else { answer(refusal, context: context) }
        } else if state.unanswered > 0 {
            pendingRefusal = refusal
        } else {
            answer(refusal, context: context)
        }
    }

    private func answer(_ refusal: HTTPRefusal, context: ChannelHandlerContext) {
        pendingRefusal = nil
        let (head, body) = refusal.parts()
        context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: written)
        finished = true
        timer?.cancel()
        timer = nil
        written.futureResult.assumeIsolated().whenComplete { result in
            switch result {
            case .success: self.startLingering(context)
            case .failure: context.close(promise: nil)
            }
        }
    }

    /// Hummingbird shuts its side after answering a `Connection: close` request, possibly
    /// before reading the request's body: the guard lingers for the rest.
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .output, linger == nil, context.channel.isActive else {
            context.close(mode: mode, promise: promise)
            return
        }
        finished = true
        startLingering(context, closing: promise)
    }

    private func startLingering(_ context: ChannelHandlerContext, closing promise: EventLoopPromise<Void>? = nil) {
        guard context.channel.isActive else { return }
        timer?.cancel()
        timer = nil
        let now = context.eventLoop.now
        linger = Linger(until: now + Linger.time, quietUntil: now + Linger.quiet, bytesLimit: probe.bytesSeen + Linger.bytes)
        let closed = context.eventLoop.makePromise(of: Void.self)
        closed.futureResult.cascade(to: promise)
        closed.futureResult.assumeIsolated().whenFailure { _ in context.close(promise: nil) }
        context.close(mode: .output, promise: closed)
        scheduleLinger(context)
        context.read()
    }

    /// Input arrived while lingering: it is dropped, and it keeps the connection for a
    /// little longer, unless it is more than a lingering close takes.
    private func lingered(_ context: ChannelHandlerContext) {
        guard var linger else { return }
        if probe.bytesSeen > linger.bytesLimit {
            context.close(promise: nil)
            return
        }
        linger.quietUntil = context.eventLoop.now + Linger.quiet
        self.linger = linger
    }

    private func scheduleLinger(_ context: ChannelHandlerContext) {
        guard let linger else { return }
        lingerTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: linger.deadline) { [self] in
            lingerTimer = nil
            guard let linger = self.linger else { return }
            if context.eventLoop.now >= linger.deadline {
                context.close(promise: nil)
            } else {
                scheduleLinger(context)
            }
        }
    }

    private func finish(_ context: ChannelHandlerContext) {
        finished = true
        context.close(promise: nil)
    }

    private func reschedule(_ context: ChannelHandlerContext) {
        guard !finished, let (at, _) = state.deadline else { return }
        // A task due no later than this deadline re-checks when it fires.
        if timer != nil, let timerAt, timerAt <= at { return }
        timer?.cancel()
        timerAt = at
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: at) { [self] in
            timer = nil
            timerAt = nil
            expire(context)
        }
    }

    private func expire(_ context: ChannelHandlerContext) {
        guard !finished else { return }
        switch state.expired(now: context.eventLoop.now) {
        case .idle:
            logger.trace("closing an idle connection")
            finish(context)
        case .requestTimeout:
            logger.debug("request timed out", metadata: ["remote": "\(context.remoteAddress?.description ?? "?")"])
            refuse(.requestTimeout, context: context)
        case nil:
            reschedule(context)
        }
    }
}
