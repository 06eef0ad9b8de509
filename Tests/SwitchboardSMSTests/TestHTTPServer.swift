import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A stand-in SMS gateway on 127.0.0.1 for connector tests: records every request and answers
/// with a status, body and delay the test sets. It counts requests being answered at once,
/// so tests can prove limits on concurrency.
final class TestHTTPServer: Sendable {
    struct Reply: Sendable {
        var status: Int = 200
        var body: String = "OK"
        var delay: Duration = .zero
        /// Answers only once this many requests are being answered at once (or when `delay`,
        /// the longest wait then, has passed): proves concurrency without racing a timer.
        var holdUntilConcurrent: Int?
    }

    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: HTTPHeaders
        var body: String
        /// When the request arrived whole (to check what was signed at sending time).
        var received = Date()

        /// The query parameters, percent-decoded (`+` stays `+`, as the connector encodes a plus as %2B).
        var query: [(name: String, value: String)] { Self.decode(URLComponents(string: "http://x\(uri)")?.percentEncodedQuery) }
        /// A form body, decoded the same way.
        var form: [(name: String, value: String)] { Self.decode(body) }

        static func decode(_ encoded: String?) -> [(name: String, value: String)] {
            guard let encoded, !encoded.isEmpty else { return [] }
            return encoded.split(separator: "&", omittingEmptySubsequences: false).map { pair in
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let value = kv.count > 1 ? String(kv[1]) : ""
                return (String(kv[0]).removingPercentEncoding ?? "?", value.removingPercentEncoding ?? "?")
            }
        }
    }

    private struct State {
        var reply: Reply
        var requests: [Request] = []
        var current = 0
        var peak = 0
    }

    let port: Int
    private let state: Mutex<State>

    private init(port: Int, reply: Reply) {
        self.port = port
        state = Mutex(State(reply: reply))
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var requests: [Request] { state.withLock { $0.requests } }
    /// The most requests that were being answered at the same moment.
    var peakConcurrency: Int { state.withLock { $0.peak } }
    func reply(_ reply: Reply) { state.withLock { $0.reply = reply } }

    /// Runs `body` with a server listening; stops the server afterwards, also when `body` throws.
    static func with<T: Sendable>(reply: Reply = .init(), _ body: (TestHTTPServer) async throws -> T) async throws -> T {
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: child)
                }
            }
        let server = TestHTTPServer(port: listener.channel.localAddress?.port ?? 0, reply: reply)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await withThrowingDiscardingTaskGroup { connections in
                    try await listener.executeThenClose { inbound in
                        for try await connection in inbound {
                            connections.addTask { await server.serve(connection) }
                        }
                    }
                }
            }
            do {
                let result = try await body(server)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// A port nothing listens on: bound, then closed again.
    static func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 1
        try await channel.close()
        return port
    }

    /// One connection: requests one after another (HTTP/1.1 keep-alive), until the peer closes.
    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let h):
                    head = h
                    body.clear()
                case .body(var chunk):
                    body.writeBuffer(&chunk)
                case .end:
                    guard let head else { continue }
                    let request = Request(
                        method: head.method.rawValue,
                        uri: head.uri,
                        headers: head.headers,
                        body: String(buffer: body)
                    )
                    let reply = begin(request)
                    defer { end() }
                    if let wanted = reply.holdUntilConcurrent {
                        let clock = ContinuousClock()
                        let deadline = clock.now.advanced(by: reply.delay)
                        while state.withLock({ $0.peak }) < wanted, clock.now < deadline {
                            try await Task.sleep(for: .milliseconds(5))
                        }
                    } else if reply.delay > .zero {
                        try await Task.sleep(for: reply.delay)
                    }
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
                    headers.add(name: "Content-Length", value: String(reply.body.utf8.count))
                    try await outbound.write(
                        .head(HTTPResponseHead(version: head.version, status: .init(statusCode: reply.status), headers: headers))
                    )
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(string: reply.body))))
                    try await outbound.write(.end(nil))
                }
            }
        }
    }

    private func begin(_ request: Request) -> Reply {
        state.withLock { s in
            s.requests.append(request)
            s.current += 1
            s.peak = max(s.peak, s.current)
            return s.reply
        }
    }

    private func end() { state.withLock { $0.current -= 1 } }
}
