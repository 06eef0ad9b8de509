import Logging
import NIOCore
import NIOWebSocket

/// The part of a server WebSocket's life every socket of the hub shares (topic sockets and
/// the live inbox): a ping every interval that also re-checks the login, the closing
/// handshake with its timeout, the peer's control frames, shutdown, and the end of the
/// channel. The handler that owns it keeps what is its own (what it sends, what it reads,
/// how it refuses) and tears its subscription down when a close begins.
///
/// ```
/// open ──close(code)──▶ closing ──peer's close / closeTimeout──▶ channel closed
///   │                      ▲
///   └──peer's close────────┘ (echoed: the handler tears down, the channel closes once it is written)
/// ```
///
/// Loop-bound like its handler: every call comes on the channel's event loop.
final class SocketLifecycle {
    /// What a frame from the peer asks of the handler.
    enum Inbound {
        /// A data frame (text, binary, continuation) or an opcode this type does not know.
        case message(WebSocketFrame)
        /// The peer began the closing handshake; it was answered: tear down.
        case peerClosing
        /// A frame RFC 6455 forbids from a client: close with 1002.
        case protocolError(String)
        /// A control frame, answered here.
        case handled
    }

    static let closeTimeout = TimeAmount.seconds(10)

    private let logger: Logger
    /// How the logs name the socket ("topic socket", "live inbox socket").
    private let kind: String
    private(set) var context: ChannelHandlerContext?
    private(set) var closing = false
    private(set) var closed = false
    private var awaitingPong = false
    private var pinger: RepeatedTask?
    private var closer: Scheduled<Void>?

    init(kind: String, logger: Logger) {
        self.kind = kind
        self.logger = logger
    }

    /// Neither closing nor closed: frames may still go out.
    var isOpen: Bool { context != nil && !closing && !closed }

    func added(_ context: ChannelHandlerContext) { self.context = context }

    /// `ping` (the handler's, which calls `ping()` and re-checks the login) every `interval`.
    func startPinging(every interval: TimeAmount, _ ping: @escaping @Sendable () -> Void) {
        guard let context else { return }
        pinger = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in ping() }
    }

    /// The channel is gone or the handler removed: no more timers, nothing more to write.
    func stop() {
        closed = true
        pinger?.cancel()
        pinger = nil
        closer?.cancel()
        closer = nil
    }

    /// Sends a ping; a peer that has not answered the previous one is closed (1001,
    /// `ping_timeout`) instead. True when a ping went out (the handler re-checks the login then).
    func ping() -> Bool {
        guard let context, isOpen else { return false }
        if awaitingPong {
            logger.debug("\(kind) did not answer a ping; closing")
            close(.goingAway, reason: "ping_timeout")
            context.close(promise: nil)
            return false
        }
        awaitingPong = true
        context.writeAndFlush(NIOAny(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer())), promise: nil)
        return true
    }

    /// One text frame, unless the socket is closing.
    func write(_ text: String) {
        guard let context, isOpen else { return }
        context.writeAndFlush(NIOAny(Self.textFrame(text, context.channel.allocator)), promise: nil)
    }

    static func textFrame(_ text: String, _ allocator: ByteBufferAllocator) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .text, data: allocator.buffer(string: text))
    }

    /// Starts the closing handshake: the close frame goes out, and the channel closes when the
    /// peer answers it, or after `closeTimeout`. False if the socket was closing already (the
    /// handler then has nothing to tear down).
    @discardableResult
    func close(_ code: WebSocketErrorCode, reason: String) -> Bool {
        guard let context, isOpen else { return false }
        closing = true
        var data = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.write(webSocketErrorCode: code)
        data.writeString(reason)
        context.writeAndFlush(NIOAny(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)), promise: nil)
        let bound = context.loopBound
        closer = context.eventLoop.scheduleTask(in: Self.closeTimeout) { bound.value.close(promise: nil) }
        return true
    }

    /// Takes a frame from the peer: anything from it shows it is alive; control frames are
    /// answered here (RFC 6455 §5.5: a close is echoed with its status code, a ping ponged).
    func receive(_ frame: WebSocketFrame) -> Inbound {
        awaitingPong = false
        // RFC 6455 §5.1-5.2: client frames are masked, and no extension was agreed.
        guard frame.maskKey != nil, frame.reservedBits.isEmpty else { return .protocolError("frames must be masked, without reserved bits") }
        guard let context else { return .handled }
        switch frame.opcode {
        case .connectionClose:
            if closing {
                context.close(promise: nil)
                return .handled
            }
            closing = true
            var payload = frame.unmaskedData
            let code = payload.readSlice(length: 2) ?? ByteBuffer()
            let bound = context.loopBound
            context.writeAndFlush(NIOAny(WebSocketFrame(fin: true, opcode: .connectionClose, data: code)))
                .whenComplete { _ in bound.value.close(promise: nil) }
            return .peerClosing
        case .ping:
            if !closing {
                context.writeAndFlush(NIOAny(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
            }
            return .handled
        case .pong:
            return .handled
        default:
            return .message(frame)
        }
    }

    /// Shutdown (`ChannelShouldQuiesceEvent`) is true: the handler closes with 1001
    /// `shutting_down`. A peer that closed its side is closed here.
    func isShutdown(_ event: Any) -> Bool {
        if event is ChannelShouldQuiesceEvent { return true }
        if let event = event as? ChannelEvent, event == .inputClosed { context?.close(promise: nil) }
        return false
    }

    /// WebSocket protocol errors are answered and closed by NIO's protocol error handler;
    /// anything else ends the channel.
    func caught(_ error: any Error) {
        guard !(error is NIOWebSocketError) else { return }
        logger.debug("\(kind) error", metadata: ["error": "\(error)"])
        context?.close(promise: nil)
    }

    /// At a ping, whether the login the socket was opened with still holds; `ended` runs (off
    /// the loop: hop back to it) when it does not. A store that cannot answer keeps the socket
    /// until the next ping.
    func recheckLogin(
        _ gate: TopicGate,
        _ credential: SwitchboardRequestContext.Credential,
        user: String,
        ended: @escaping @Sendable () -> Void
    ) {
        let logger = self.logger
        let kind = self.kind
        Task {
            do {
                if try await gate.stillValid(credential, user: user) { return }
            } catch {
                logger.warning("could not check a \(kind)'s login; keeping it until the next ping", metadata: ["error": "\(error)"])
                return
            }
            ended()
        }
    }
}
