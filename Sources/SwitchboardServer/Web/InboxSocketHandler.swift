import Logging
import NIOCore
import NIOWebSocket
import SwitchboardCore

/// One `/ws/inbox` socket after the upgrade, on its connection's event loop: it registers with
/// the `InboxFeed`, sends `{"type":"ready"}` and then each new item the user may see as
/// `{"type":"item","item":{…}}`. The client sends nothing but control frames.
///
/// Like a topic socket it keeps no task of its own: frames are written on the event loop, a
/// ping goes out every `pingInterval` (a peer that missed the previous one is closed, 1001),
/// and the login is checked again at each ping (an ended one: error frame, then 4401). A
/// socket that cannot take its frames (more than `maxPending` written while not writable) is
/// closed with 1008 `too_slow`; the page reconnects and reloads what it missed. On shutdown
/// the socket closes with 1001.
final class InboxSocketHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    struct Admission: Sendable {
        var user: String
        var credential: SwitchboardRequestContext.Credential
    }

    enum Role: Sendable {
        case listener(Admission)
        /// Refused: one error frame, then close with 4000 + the HTTP status.
        case refused(APIError)
    }

    static let pingInterval = TimeAmount.seconds(30)
    static let closeTimeout = TimeAmount.seconds(10)
    static let maxPending = 1_000

    private let role: Role
    private let feed: InboxFeed
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var listenerID: Int?
    private var pinger: RepeatedTask?
    private var closer: Scheduled<Void>?
    private var awaitingPong = false
    private var closing = false
    private var closed = false
    private var pending = 0

    init(role: Role, feed: InboxFeed, logger: Logger) {
        self.role = role
        self.feed = feed
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        switch role {
        case .refused(let refusal):
            refuse(refusal)
        case .listener(let admission):
            let me = NIOLoopBound(self, eventLoop: context.eventLoop)
            let loop = context.eventLoop
            listenerID = feed.add(InboxFeed.Listener(user: admission.user) { text in loop.execute { me.value.write(text) } })
            write(#"{"type":"ready"}"#)
            pinger = loop.scheduleRepeatedTask(initialDelay: Self.pingInterval, delay: Self.pingInterval) { _ in me.value.ping() }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) { stop() }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    private func stop() {
        closed = true
        if let listenerID { feed.remove(listenerID) }
        listenerID = nil
        pinger?.cancel()
        pinger = nil
        closer?.cancel()
        closer = nil
    }

    private func write(_ text: String) {
        guard let context, !closing, !closed else { return }
        if context.channel.isWritable {
            pending = 0
        } else {
            pending += 1
            if pending > Self.maxPending {
                close(.policyViolation, reason: "too_slow")
                return
            }
        }
        context.writeAndFlush(
            wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(string: text))),
            promise: nil
        )
    }

    private func close(_ code: WebSocketErrorCode, reason: String) {
        guard let context, !closing, !closed else { return }
        closing = true
        if let listenerID { feed.remove(listenerID) }
        listenerID = nil
        var data = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.write(webSocketErrorCode: code)
        data.writeString(reason)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)), promise: nil)
        let me = NIOLoopBound(self, eventLoop: context.eventLoop)
        closer = context.eventLoop.scheduleTask(in: Self.closeTimeout) { me.value.context?.close(promise: nil) }
    }

    private func refuse(_ refusal: APIError) {
        var frame = #"{"type":"error","error":"#
        TopicJSON.quote(refusal.code, into: &frame)
        frame += #","message":"#
        TopicJSON.quote(refusal.message, into: &frame)
        frame += #","status":\#(refusal.status.code)}"#
        write(frame)
        close(.unknown(UInt16(4000 + refusal.status.code)), reason: refusal.code)
    }

    private func ping() {
        guard let context, !closing, !closed else { return }
        if awaitingPong {
            close(.goingAway, reason: "ping_timeout")
            context.close(promise: nil)
            return
        }
        awaitingPong = true
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer())), promise: nil)
        guard case .listener(let admission) = role else { return }
        let gate = feed.gate
        let logger = self.logger
        let me = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        Task {
            do {
                if try await gate.stillValid(admission.credential, user: admission.user) { return }
            } catch {
                logger.warning("could not check a live inbox socket's login; keeping it until the next ping", metadata: ["error": "\(error)"])
                return
            }
            loop.execute { me.value.refuse(.unauthorized("your login has ended; log in again")) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        awaitingPong = false
        guard frame.maskKey != nil, frame.reservedBits.isEmpty else {
            close(.protocolError, reason: "protocol_error")
            return
        }
        switch frame.opcode {
        case .connectionClose:
            if closing {
                context.close(promise: nil)
                return
            }
            closing = true
            if let listenerID { feed.remove(listenerID) }
            listenerID = nil
            var payload = frame.unmaskedData
            let code = payload.readSlice(length: 2) ?? ByteBuffer()
            let bound = context.loopBound
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: code)))
                .whenComplete { _ in bound.value.close(promise: nil) }
        case .ping:
            if !closing {
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
            }
        default:
            break  // pongs; the client has nothing to say on this socket
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            close(.goingAway, reason: "shutting_down")
        } else if let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !(error is NIOWebSocketError) {
            logger.debug("live inbox socket error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }
}
