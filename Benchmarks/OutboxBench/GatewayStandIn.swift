import BenchmarkSupport
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A tiny HTTP SMS gateway on loopback for the `http-gateway` connector to send to:
/// `GET /send?to=…&id=…&text=…` answers `200 OK id=N` (Kannel-like) and records when each
/// delivery id arrived, which is the benchmark's "sent" moment for that delivery.
///
/// It runs in the benchmark's own process, so what it costs is counted against the two cores
/// like everything else, and in the bench's own CPU column. That is why it is a bare NIO
/// handler answering on the connection's event loop (no router, no task per request): a real
/// gateway runs on another machine, and a heavier stand-in (it was a Hummingbird application,
/// about 60–80 µs of CPU per request) takes cores from the hub it is there to measure.
final class GatewayStandIn: Sendable {
    private struct State {
        var received: [(deliveryID: String, at: Date)] = []
        var counter = 0
    }
    private let state = Mutex(State())

    init() {}

    /// When each delivery id arrived; a delivery sent twice keeps its first arrival.
    func arrivals() -> [String: Date] {
        let received = state.withLock { $0.received }
        var out: [String: Date] = [:]
        out.reserveCapacity(received.count)
        for (id, at) in received where out[id] == nil { out[id] = at }
        return out
    }

    /// Records one arrival; returns the gateway's message number for the answer.
    fileprivate func record(_ id: String, at: Date) -> Int {
        state.withLock { s in
            s.counter += 1
            s.received.append((id, at))
            return s.counter
        }
    }

    /// Runs the stand-in on a free loopback port while `body` runs (it is given the port),
    /// then stops it, whether `body` returned or threw. Both benchmark systems (one hub in
    /// this process, hub processes on PostgreSQL) send to it this way.
    func whileRunning<T: Sendable>(logger: Logger, _ body: @Sendable @escaping (Int) async throws -> T) async throws -> T {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(SendHandler(standIn: self))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port, port > 0 else {
            try? await channel.close()
            throw BenchFailure("the gateway stand-in did not start")
        }
        do {
            let result = try await body(port)
            try? await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }
}

/// Answers `GET /send?…&id=…` on the event loop: records the arrival, writes `OK id=N`.
private final class SendHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let standIn: GatewayStandIn
    private var head: HTTPRequestHead?

    init(standIn: GatewayStandIn) { self.standIn = standIn }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            answer(head, context: context)
        }
    }

    private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let at = Date()
        let status: HTTPResponseStatus
        let text: String
        if head.method == .GET, head.uri.hasPrefix("/send?"), let id = Self.query("id", in: head.uri) {
            status = .ok
            text = "OK id=\(standIn.record(id, at: at))"
        } else {
            status = .badRequest
            text = "ERR no id"
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain")
        headers.add(name: "Content-Length", value: String(text.utf8.count))
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive { done.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) } }
    }

    /// The percent-decoded value of `name` in the URI's query, if present.
    static func query(_ name: String, in uri: String) -> String? {
        guard let q = uri.firstIndex(of: "?") else { return nil }
        for pair in uri[uri.index(after: q)...].split(separator: "&") {
            guard let eq = pair.firstIndex(of: "="), pair[..<eq] == name else { continue }
            let value = pair[pair.index(after: eq)...].replacingOccurrences(of: "+", with: " ")
            return value.removingPercentEncoding ?? value
        }
        return nil
    }
}
