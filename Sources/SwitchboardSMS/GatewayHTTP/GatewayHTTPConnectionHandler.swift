import NIOCore
import NIOHTTP1
import NIOTLS

/// Carries one request at a time over one kept-alive HTTP/1.1 connection, on the connection's
/// event loop: writes it, reads the answer into one buffer (up to a limit), and completes the
/// exchange's promise exactly once.
///
/// Why a handler with loop-bound state and not an async sequence per connection: a send is
/// then one hop onto the loop and one promise back, with one timer (the request's deadline,
/// cancelled when the answer is in); no task, no per-part hand-off. The pipeline is
/// `[TLS] → HTTPRequestEncoder/HTTPResponseDecoder → this`.
///
/// A request that finds the connection already closed is failed with `closedBeforeWrite`
/// before a byte is written (the client may retry it elsewhere); once written, any loss is
/// `connectionLost` and is never resent here. A connection idle for `idleTimeout` is closed;
/// the idle check is one timer per idle period, re-armed only when it fires early.
final class GatewayHTTPConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    /// One request on its way: what to send, until when, and the promise its caller awaits.
    struct Exchange: Sendable {
        var request: GatewayHTTPRequest
        var deadline: NIODeadline
        var promise: EventLoopPromise<GatewayHTTPResponse>
    }

    private let hostHeader: String
    private let maxBodyBytes: Int
    private let idleTimeout: TimeAmount
    /// Called when the connection closes while no request is on it, so the pool drops it.
    private let onIdleClose: @Sendable () -> Void

    /// Succeeded once the connection can carry a request (connected; with TLS, handshake
    /// done), failed with the reason if it closes before: the client waits for it when it
    /// connects, so a TLS failure is reported as such and not as a closed connection.
    private var ready: EventLoopPromise<Void>?
    private let waitsForTLS: Bool
    private var context: ChannelHandlerContext?
    private var current: Exchange?
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?
    private var deadlineTimer: NIOScheduledCallback?
    private var idleTimer: NIOScheduledCallback?
    private var idleSince = NIODeadline.now()
    private var closed = false

    init(
        hostHeader: String,
        maxBodyBytes: Int,
        idleTimeout: TimeAmount,
        ready: EventLoopPromise<Void>? = nil,
        waitsForTLS: Bool = false,
        onIdleClose: @escaping @Sendable () -> Void
    ) {
        self.ready = ready
        self.waitsForTLS = waitsForTLS
        self.hostHeader = hostHeader
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
        self.onIdleClose = onIdleClose
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        settleReady(GatewayHTTPError(.connectFailed, detail: "the connection was taken down"))
        lose(GatewayHTTPError(.connectionLost, detail: "the connection was taken down"))
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if !waitsForTLS { settleReady(nil) }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { settleReady(nil) }
        context.fireUserInboundEventTriggered(event)
    }

    /// Tells the connecting client the outcome of the setup, once.
    private func settleReady(_ error: (any Error)?) {
        guard let ready else { return }
        self.ready = nil
        if let error { ready.fail(error) } else { ready.succeed() }
    }

    // MARK: - Requests

    /// Writes `exchange`'s request, or fails it with `closedBeforeWrite` if the connection is
    /// gone (or, which the pool prevents, busy).
    func start(_ exchange: Exchange) {
        guard let context, !closed, current == nil, context.channel.isActive else {
            exchange.promise.fail(GatewayHTTPError(.closedBeforeWrite))
            return
        }
        // A request that waited for a connection past its deadline is not sent at all: the
        // gateway must not act on a request its sender has already given up on.
        guard exchange.deadline > context.eventLoop.now else {
            exchange.promise.fail(GatewayHTTPError(.deadlineExceeded, detail: "no connection became free in time"))
            return
        }
        current = exchange
        head = nil
        body = nil
        do {
            deadlineTimer = try context.eventLoop.assumeIsolated().scheduleCallback(
                at: exchange.deadline,
                handler: Timer(handler: self, kind: .deadline)
            )
        } catch {
            fail(GatewayHTTPError(.connectionLost, detail: "the event loop is shutting down", underlying: error))
            return
        }
        let request = exchange.request
        var headers = request.headers
        headers.add(name: "Host", value: hostHeader)
        if let body = request.body { headers.add(name: "Content-Length", value: String(body.readableBytes)) }
        let head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.target, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body = request.body, body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// The caller's task was cancelled: fails the exchange whose answer is `future`, if it is
    /// still under way, and closes the connection (its answer may still come).
    func cancel(_ future: EventLoopFuture<GatewayHTTPResponse>) {
        guard let current, current.promise.futureResult === future else { return }
        fail(GatewayHTTPError(.cancelled))
    }

    // MARK: - Answers

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // After a failure the connection is closing: the rest of that answer is not read.
        guard !closed else { return }
        switch unwrapInboundIn(data) {
        case .head(let h):
            guard current != nil else { return unexpected("an answer arrived while no request was under way") }
            head = h
            body = nil
        case .body(var chunk):
            guard current != nil, head != nil else { return unexpected("a body arrived without an answer") }
            let have = body?.readableBytes ?? 0
            guard have + chunk.readableBytes <= maxBodyBytes else {
                return fail(GatewayHTTPError(.responseTooLarge, detail: "the answer is larger than the limit of \(maxBodyBytes) bytes"))
            }
            if body == nil {
                body = chunk
            } else {
                body?.writeBuffer(&chunk)
            }
        case .end:
            guard let exchange = current, let h = head else { return unexpected("an answer ended that had not begun") }
            if h.status.code < 200 && h.status.code != 101 {
                // Informational (100 Continue, 103 Early Hints): the answer is still to come.
                head = nil
                return
            }
            deadlineTimer?.cancel()
            deadlineTimer = nil
            current = nil
            head = nil
            let keepAlive = h.isKeepAlive && h.status.code != 101 && !closed
            let response = GatewayHTTPResponse(status: Int(h.status.code), headers: h.headers, body: body ?? ByteBuffer(), keepAlive: keepAlive)
            body = nil
            if keepAlive {
                idleSince = .now()
                armIdleTimer()
            } else {
                closed = true
                context.close(promise: nil)
            }
            exchange.promise.succeed(response)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        settleReady(GatewayHTTPError(.connectFailed, detail: "the gateway closed the connection while it was being set up"))
        closed = true
        idleTimer?.cancel()
        idleTimer = nil
        if current != nil {
            lose(GatewayHTTPError(.connectionLost, detail: "the gateway closed the connection before answering"))
        } else {
            onIdleClose()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        settleReady(error as? GatewayHTTPError ?? GatewayHTTPError(.connectFailed, underlying: error))
        if current != nil {
            fail(GatewayHTTPError(.connectionLost, detail: "the connection failed", underlying: error))
        } else {
            closed = true
            context.close(promise: nil)
        }
    }

    // MARK: - Ending

    /// Fails the request under way and closes the connection, which cannot carry another.
    private func fail(_ error: GatewayHTTPError) {
        lose(error)
        closed = true
        context?.close(promise: nil)
    }

    /// Fails the request under way, if any, and forgets it.
    private func lose(_ error: GatewayHTTPError) {
        deadlineTimer?.cancel()
        deadlineTimer = nil
        guard let exchange = current else { return }
        current = nil
        head = nil
        body = nil
        exchange.promise.fail(error)
    }

    private func unexpected(_ what: String) { fail(GatewayHTTPError(.unexpectedResponse, detail: what)) }

    fileprivate func deadlineReached() {
        deadlineTimer = nil
        guard current != nil else { return }
        fail(GatewayHTTPError(.deadlineExceeded))
    }

    private func armIdleTimer() {
        guard idleTimer == nil, let context else { return }
        idleTimer = try? context.eventLoop.assumeIsolated().scheduleCallback(
            at: idleSince + idleTimeout,
            handler: Timer(handler: self, kind: .idle)
        )
    }

    fileprivate func idleCheck() {
        idleTimer = nil
        guard current == nil, !closed else { return }
        if idleSince + idleTimeout <= .now() {
            closed = true
            context?.close(promise: nil)
        } else {
            armIdleTimer()
        }
    }
}

/// The handler's two timers: the request's deadline and the idle check.
private struct Timer: NIOScheduledCallbackHandler {
    enum Kind { case deadline, idle }
    let handler: GatewayHTTPConnectionHandler
    let kind: Kind

    func handleScheduledCallback(eventLoop: some EventLoop) {
        switch kind {
        case .deadline: handler.deadlineReached()
        case .idle: handler.idleCheck()
        }
    }
}
