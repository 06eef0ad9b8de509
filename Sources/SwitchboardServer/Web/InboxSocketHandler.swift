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
/// the socket closes with 1001. The pings, the closing handshake and shutdown are the
/// `SocketLifecycle` every socket of the hub shares.
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
    static let maxPending = 1_000

    private let role: Role
    private let feed: InboxFeed
    private let lifecycle: SocketLifecycle
    private var listenerID: Int?
    private var pending = 0

    init(role: Role, feed: InboxFeed, logger: Logger) {
        self.role = role
        self.feed = feed
        self.lifecycle = SocketLifecycle(kind: "live inbox socket", logger: logger)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        lifecycle.added(context)
        switch role {
        case .refused(let refusal):
            refuse(refusal)
        case .listener(let admission):
            let me = NIOLoopBound(self, eventLoop: context.eventLoop)
            let loop = context.eventLoop
            listenerID = feed.add(InboxFeed.Listener(user: admission.user) { text in loop.execute { me.value.write(text) } })
            write(#"{"type":"ready"}"#)
            lifecycle.startPinging(every: Self.pingInterval) { me.value.ping() }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) { stop() }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    private func stop() {
        lifecycle.stop()
        stopListening()
    }

    private func stopListening() {
        if let listenerID { feed.remove(listenerID) }
        listenerID = nil
    }

    /// Writes an item; a socket that could not take `maxPending` of them is too slow.
    private func write(_ text: String) {
        guard let context = lifecycle.context, lifecycle.isOpen else { return }
        if context.channel.isWritable {
            pending = 0
        } else {
            pending += 1
            if pending > Self.maxPending {
                close(.policyViolation, reason: "too_slow")
                return
            }
        }
        lifecycle.write(text)
    }

    private func close(_ code: WebSocketErrorCode, reason: String) {
        if lifecycle.close(code, reason: reason) { stopListening() }
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
        guard lifecycle.ping(), case .listener(let admission) = role, let loop = lifecycle.context?.eventLoop else { return }
        let me = NIOLoopBound(self, eventLoop: loop)
        lifecycle.recheckLogin(feed.gate, admission.credential, user: admission.user) {
            loop.execute { me.value.refuse(.unauthorized("your login has ended; log in again")) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch lifecycle.receive(unwrapInboundIn(data)) {
        case .protocolError: close(.protocolError, reason: "protocol_error")
        case .peerClosing: stopListening()
        case .message, .handled: break  // the client has nothing to say on this socket
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if lifecycle.isShutdown(event) { close(.goingAway, reason: "shutting_down") }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { lifecycle.caught(error) }
}
