import BenchmarkSupport
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A tiny HTTP SMS gateway on loopback for the `http-gateway` connector to send to:
/// `GET /send?to=…&id=…&text=…` answers `200 OK id=N` (Kannel-like) and records when each
/// delivery id arrived, which is the benchmark's "sent" moment for that delivery.
///
/// It runs in the benchmark's own process, on the same event loops as the hub, so what it
/// costs is counted against the two cores like everything else.
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

    /// Runs the stand-in on a free loopback port while `body` runs (it is given the port),
    /// then stops it, whether `body` returned or threw. Both benchmark systems (one hub in
    /// this process, hub processes on PostgreSQL) send to it this way.
    func whileRunning<T: Sendable>(logger: Logger, _ body: @Sendable @escaping (Int) async throws -> T) async throws -> T {
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let application = makeApplication(logger: logger) { port in
            portSink.yield(port)
            portSink.finish()
        }
        let services = ServiceGroup(configuration: .init(services: [application], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var portIterator = ports.makeAsyncIterator()
            do {
                guard let port = await portIterator.next(), port > 0 else { throw BenchFailure("the gateway stand-in did not start") }
                let result = try await body(port)
                await services.triggerGracefulShutdown()
                return result
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
        }
    }

    /// The stand-in's HTTP application; `onPort` is told the port once it listens.
    func makeApplication(logger: Logger, onPort: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.get("/send") { request, _ -> Response in
            let at = Date()
            guard let id = request.uri.queryParameters.get("id") else {
                return Response(status: .badRequest, body: .init(byteBuffer: ByteBuffer(string: "ERR no id")))
            }
            let n = self.state.withLock { s -> Int in
                s.counter += 1
                s.received.append((id, at))
                return s.counter
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain"],
                body: .init(byteBuffer: ByteBuffer(string: "OK id=\(n)"))
            )
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "gateway-stand-in"),
            onServerRunning: { channel in onPort(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }
}
