import HTTPTypes
import Logging
import NIOCore
import NIOWebSocket
import SwitchboardCore

/// One topic WebSocket after the upgrade, served on its connection's event loop.
///
/// There is no task per connection: rows are pushed by the subscription's waker straight to
/// the event loop, which writes everything queued with one flush (and stops taking frames
/// while the socket is not writable, so a slow reader fills its bounded subscription queue and
/// is dropped with `too_slow`, never the hub's memory). Frames the client sends are assembled
/// here (at most `max_frame_bytes` of one message is kept) and answered in order by a task
/// that exists only while the client has frames waiting. Pings go out every `ping_interval`;
/// a peer that has not answered the previous one is closed (1001, `ping_timeout`), and the
/// login the socket was opened with is checked again (an ended one closes it with 4401). On
/// server shutdown every socket is closed with 1001 `shutting_down`. The pings, the closing
/// handshake and shutdown are the `SocketLifecycle` every socket of the hub shares.
final class TopicSocketHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = Never
    typealias OutboundOut = WebSocketFrame

    /// What the upgrade decided.
    enum Role: Sendable {
        /// An admitted subscriber.
        case subscriber(TopicGate.Admission)
        /// A refused client: the socket opens only to carry the reason, then closes with
        /// 4000 + the HTTP status a plain request would have had.
        case refused(APIError)
    }

    private let role: Role
    private let endpoints: TopicEndpoints
    private let logger: Logger
    private let lifecycle: SocketLifecycle
    private var context: ChannelHandlerContext? { lifecycle.context }
    private var subscription: TopicSubscription?
    private let inbound = TopicFrameQueue()
    private var message = TopicMessageAssembly()
    private var readHeld = false

    init(role: Role, endpoints: TopicEndpoints, logger: Logger) {
        self.role = role
        self.endpoints = endpoints
        self.logger = logger
        self.lifecycle = SocketLifecycle(kind: "topic socket", logger: logger)
    }

    // MARK: - Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        lifecycle.added(context)
        let me = NIOLoopBound(self, eventLoop: context.eventLoop)
        switch role {
        case .refused(let refusal):
            refuse(refusal)
        case .subscriber(let admission):
            let interval = TimeAmount.seconds(Int64(admission.topic.pingInterval))
            lifecycle.startPinging(every: interval) { me.value.ping() }
            let hub = endpoints.hub
            let logger = self.logger
            let loop = context.eventLoop
            Task {
                do {
                    let subscription = try await hub.subscribe(admission.topic, principal: admission.principal, query: admission.query)
                    loop.execute { me.value.attach(subscription) }
                } catch {
                    let e = TopicConnection.topicError(error, logger: logger)
                    // A subscription the client got wrong (`_since` naming no row) is a
                    // refusal like the gate's (4400); only the hub's own failure is 1011.
                    let refusal = TopicSocketHandler.refusalStatus(e.kind).map { APIError($0, e.code, e.message) }
                    loop.execute {
                        if let refusal {
                            me.value.refuse(refusal)
                        } else {
                            me.value.write(TopicJSON.error(e, method: nil, ref: nil))
                            me.value.close(.unexpectedServerError, reason: e.code)
                        }
                    }
                }
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) { stop() }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    private func stop() {
        lifecycle.stop()
        subscription?.cancel()
    }

    private func attach(_ subscription: TopicSubscription) {
        guard lifecycle.isOpen else {
            subscription.cancel()
            return
        }
        self.subscription = subscription
        let me = NIOLoopBound(self, eventLoop: context!.eventLoop)
        let loop = context!.eventLoop
        subscription.onFrames { loop.execute { me.value.drain() } }
        startAnswering()
        resumeReading()
    }

    // MARK: - Out

    /// Writes everything the subscription has queued, with one flush; ends the socket if the
    /// subscriber fell behind.
    private func drain() {
        guard let context, let subscription, lifecycle.isOpen else { return }
        // Not writable: leave the frames queued (they count against `max_queued_frames`);
        // writability coming back drains again. A subscription dropped as too slow is
        // written and closed regardless.
        guard context.channel.isWritable || subscription.endReason == .tooSlow else { return }
        let (frames, ended) = subscription.takeAvailable()
        for text in frames { context.write(wrapOutboundOut(SocketLifecycle.textFrame(text, context.channel.allocator)), promise: nil) }
        if !frames.isEmpty { context.flush() }
        if ended == .tooSlow { close(.policyViolation, reason: "too_slow") }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            drain()
            resumeReading()
        }
        context.fireChannelWritabilityChanged()
    }

    private func write(_ text: String) { lifecycle.write(text) }

    /// Starts the closing handshake: no more rows; the channel closes when the client answers
    /// the close frame, or after `SocketLifecycle.closeTimeout`.
    private func close(_ code: WebSocketErrorCode, reason: String) {
        guard lifecycle.close(code, reason: reason) else { return }
        subscription?.cancel()
        resumeReading()  // the client's close frame must be read
    }

    /// At every ping, the login the socket was opened with is checked again; one that ended
    /// (logout, password change, deleted token or user) closes the socket with an error
    /// frame and 4401, as a refused connection would be.
    private func ping() {
        guard lifecycle.ping(), case .subscriber(let admission) = role, let credential = admission.credential,
            let user = admission.principal?.id, let loop = context?.eventLoop
        else { return }
        let me = NIOLoopBound(self, eventLoop: loop)
        lifecycle.recheckLogin(endpoints.gate, credential, user: user) {
            loop.execute {
                me.value.refuse(.unauthorized("your login has ended (logged out, password changed, or token deleted); log in again"))
            }
        }
    }

    /// One error frame with the HTTP status a plain request would have had, then a close
    /// with 4000 + that status.
    static func refusalStatus(_ kind: TopicError.Kind) -> HTTPResponse.Status? {
        switch kind {
        case .invalid: .badRequest
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .unauthorized: .unauthorized
        case .unavailable: nil
        }
    }

    private func refuse(_ refusal: APIError) {
        let frame = TopicJSON.error(TopicError(.forbidden, refusal.code, refusal.message), method: nil, ref: nil)
        write(String(frame.dropLast()) + #","status":\#(refusal.status.code)}"#)
        close(.unknown(UInt16(4000 + refusal.status.code)), reason: refusal.code)
    }

    // MARK: - In

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame: WebSocketFrame
        switch lifecycle.receive(unwrapInboundIn(data)) {
        case .message(let received): frame = received
        case .peerClosing:
            subscription?.cancel()
            return
        case .protocolError(let reason): return protocolError(reason)
        case .handled: return
        }
        switch frame.opcode {
        case .text, .binary, .continuation:
            if lifecycle.closing { return }
            do throws(TopicMessageAssembly.ProtocolError) {
                if let item = try message.add(frame, limit: admissionLimit) { deliver(item) }
            } catch {
                protocolError(error.reason)
            }
        default:
            protocolError("unknown opcode")
        }
    }

    private var admissionLimit: Int {
        if case .subscriber(let admission) = role { return admission.topic.maxFrameBytes }
        return 0
    }

    private func protocolError(_ reason: String) {
        logger.debug("topic socket protocol error", metadata: ["reason": "\(reason)"])
        close(.protocolError, reason: "protocol_error")
    }

    private func deliver(_ item: TopicInbound) {
        guard case .subscriber = role else { return }
        inbound.push(item)
        startAnswering()
    }

    /// Starts a task for the frames waiting, unless one runs or the subscription is not ready.
    private func startAnswering() {
        guard let subscription, case .subscriber(let admission) = role, inbound.claim() else { return }
        let connection = TopicConnection(
            hub: endpoints.hub,
            alerts: endpoints.alerts,
            admission: admission,
            logger: logger,
            storage: endpoints.storage,
            dataDirectory: endpoints.dataDirectory
        )
        let queue = inbound
        let me = NIOLoopBound(self, eventLoop: context!.eventLoop)
        let loop = context!.eventLoop
        Task {
            while let items = queue.take() {
                await connection.handle(items, subscription)
                // The reader may have stopped at a full queue: let it go on.
                if items.count >= queue.limit { loop.execute { me.value.resumeReading() } }
            }
        }
    }

    /// Reads only once subscribed (or closing), while fewer than `limit` frames wait, and
    /// while the client takes what it is sent: one that writes without reading its answers
    /// is slowed down by TCP instead of making the hub hold its acks.
    func read(context: ChannelHandlerContext) {
        guard mayRead(context) else {
            readHeld = true
            return
        }
        context.read()
    }

    private func mayRead(_ context: ChannelHandlerContext) -> Bool {
        lifecycle.closing || (subscription != nil && !inbound.isFull && context.channel.isWritable)
    }

    private func resumeReading() {
        guard readHeld, let context, mayRead(context) else { return }
        readHeld = false
        context.read()
    }

    // MARK: - Events

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if lifecycle.isShutdown(event) { close(.goingAway, reason: "shutting_down") }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { lifecycle.caught(error) }
}

/// Puts a client's message together from its frames, keeping at most `limit` bytes of it:
/// the rest of an oversize message is skipped and the message reported as `.tooLarge`.
struct TopicMessageAssembly {
    struct ProtocolError: Error { let reason: String }

    private var parts: ByteBuffer?
    private var size = 0
    private var binary = false
    private var open = false

    mutating func add(_ frame: WebSocketFrame, limit: Int) throws(ProtocolError) -> TopicInbound? {
        var data = frame.unmaskedData
        if frame.opcode == .continuation {
            guard open else { throw ProtocolError(reason: "a continuation frame without a message to continue") }
        } else {
            guard !open else { throw ProtocolError(reason: "a new message before the last one was finished") }
            size = 0
            binary = frame.opcode == .binary
            if frame.fin {  // a one-frame message (the usual case): no copy
                return data.readableBytes > limit ? .tooLarge(data.readableBytes) : binary ? .binary : Self.text(data)
            }
            open = true
            parts = nil
        }
        size += data.readableBytes
        if size <= limit && !binary {
            if parts == nil { parts = ByteBuffer() }
            parts!.writeBuffer(&data)
        } else {
            parts = nil
        }
        guard frame.fin else { return nil }
        open = false
        defer { parts = nil }
        return size > limit ? .tooLarge(size) : binary ? .binary : Self.text(parts ?? ByteBuffer())
    }

    static func text(_ buffer: ByteBuffer) -> TopicInbound {
        String(validating: buffer.readableBytesView, as: UTF8.self).map(TopicInbound.text) ?? .invalidUTF8
    }
}
