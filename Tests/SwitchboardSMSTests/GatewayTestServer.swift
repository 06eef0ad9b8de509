import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A small HTTP/1.1 server on 127.0.0.1 for `GatewayHTTPClient` tests: counts the connections it
/// accepts, answers the way a test says (keep-alive, `Connection: close`, close after the answer,
/// HTTP/1.0, chunked, oversized, never), optionally over TLS, and can hold answers until
/// enough requests are in at once or until the test releases them.
final class GatewayTestServer: Sendable {
    enum Reply: Sendable {
        case ok(String)
        /// The answer says `Connection: close`, and the server closes after it.
        case connectionClose(String)
        /// A kept-alive answer, after which the server closes the connection anyway (an idle
        /// timeout of zero).
        case closeAfterAnswer(String)
        /// HTTP/1.0 without keep-alive: no length, the body ends with the connection.
        case http10(String)
        case chunked([String])
        /// A body of this many bytes.
        case large(Int)
        case never
    }

    struct Hold: Sendable {
        /// Answers wait until this many requests are in at once (from then on none waits), or
        /// until `release()`.
        var untilConcurrent: Int
    }

    private struct State {
        var reply: Reply
        var hold: Hold?
        var held: [EventLoopPromise<Void>] = []
        var accepted = 0
        var current = 0
        var peak = 0
        var requests: [HTTPRequestHead] = []
    }

    let port: Int
    private let state: Mutex<State>

    private init(port: Int, reply: Reply, hold: Hold?) {
        self.port = port
        state = Mutex(State(reply: reply, hold: hold))
    }

    var accepted: Int { state.withLock { $0.accepted } }
    var peakConcurrency: Int { state.withLock { $0.peak } }
    var requests: [HTTPRequestHead] { state.withLock { $0.requests } }
    func reply(_ reply: Reply) { state.withLock { $0.reply = reply } }

    /// Lets every held answer go, and those that come later.
    func release() {
        let held = state.withLock { s in
            s.hold = nil
            defer { s.held = [] }
            return s.held
        }
        for promise in held { promise.succeed() }
    }

    /// Runs `body` with a server listening (over TLS with `tls`); closes it afterwards.
    static func with<T: Sendable>(
        reply: Reply = .ok("OK"),
        hold: Hold? = nil,
        tls: NIOSSLContext? = nil,
        _ body: (GatewayTestServer) async throws -> T
    ) async throws -> T {
        let box = Mutex<GatewayTestServer?>(nil)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    guard let server = box.withLock({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                    let sync = child.pipeline.syncOperations
                    if let tls { try sync.addHandler(NIOSSLServerHandler(context: tls)) }
                    try sync.configureHTTPServerPipeline()
                    try sync.addHandler(ServerHandler(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = GatewayTestServer(port: listener.localAddress?.port ?? 0, reply: reply, hold: hold)
        box.withLock { $0 = server }
        do {
            let result = try await body(server)
            server.release()
            try? await listener.close()
            return result
        } catch {
            server.release()
            try? await listener.close()
            throw error
        }
    }

    /// A port nothing listens on: bound, then closed again.
    static func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 1
        try await channel.close()
        return port
    }

    fileprivate func connected() { state.withLock { $0.accepted += 1 } }

    /// A whole request arrived: its answer, and when it may be given.
    fileprivate func arrived(_ head: HTTPRequestHead, on loop: any EventLoop) -> (Reply, EventLoopFuture<Void>) {
        let (reply, wait, release) = state.withLock { s -> (Reply, EventLoopFuture<Void>, [EventLoopPromise<Void>]) in
            s.requests.append(head)
            s.current += 1
            s.peak = max(s.peak, s.current)
            guard let hold = s.hold else { return (s.reply, loop.makeSucceededVoidFuture(), []) }
            if s.current >= hold.untilConcurrent {
                s.hold = nil
                defer { s.held = [] }
                return (s.reply, loop.makeSucceededVoidFuture(), s.held)
            }
            let promise = loop.makePromise(of: Void.self)
            s.held.append(promise)
            return (s.reply, promise.futureResult, [])
        }
        for promise in release { promise.succeed() }
        return (reply, wait)
    }

    fileprivate func answered() { state.withLock { $0.current -= 1 } }
}

/// One accepted connection of the test server.
private final class ServerHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let server: GatewayTestServer
    private var head: HTTPRequestHead?

    init(server: GatewayTestServer) { self.server = server }

    func channelActive(context: ChannelHandlerContext) {
        server.connected()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let head else { return }
            let (reply, wait) = server.arrived(head, on: context.eventLoop)
            wait.assumeIsolated().whenSuccess { self.answer(reply, context: context) }
        }
    }

    private func answer(_ reply: GatewayTestServer.Reply, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        let status = HTTPResponseStatus.ok
        var version = HTTPVersion.http1_1
        var parts: [String] = []
        var closeAfter = false
        switch reply {
        case .never:
            return
        case .ok(let body):
            parts = [body]
        case .connectionClose(let body):
            headers.add(name: "Connection", value: "close")
            parts = [body]
            closeAfter = true
        case .closeAfterAnswer(let body):
            parts = [body]
            closeAfter = true
        case .http10(let body):
            version = .http1_0
            parts = [body]
            closeAfter = true
        case .chunked(let chunks):
            headers.add(name: "Transfer-Encoding", value: "chunked")
            parts = chunks
        case .large(let size):
            parts = [String(repeating: "x", count: size)]
        }
        if case .chunked = reply {
        } else if version == .http1_1 {
            headers.add(name: "Content-Length", value: String(parts.reduce(0) { $0 + $1.utf8.count }))
        }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        for part in parts { context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: part)))), promise: nil) }
        server.answered()
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        if closeAfter { done.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
    }
}
