import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

@testable import SwitchboardSMS

/// `GatewayHTTPClient` against a real server on 127.0.0.1 (`GatewayTestServer`): connection
/// reuse and its limits, every way a gateway ends a connection, deadlines, body limits, TLS,
/// and shutdown.
@Suite(.timeLimit(.minutes(2)))
struct GatewayHTTPClientTests {
    static func client(
        _ server: GatewayTestServer,
        https: Bool = false,
        host: String = "127.0.0.1",
        maxConnections: Int = 4,
        maxBodyBytes: Int = 64 * 1024,
        trust: [NIOSSLCertificate] = []
    ) throws -> GatewayHTTPClient {
        let origin = try #require(GatewayHTTPOrigin(url: "\(https ? "https" : "http")://\(host):\(server.port)/send"))
        return GatewayHTTPClient(origin: origin, maxConnections: maxConnections, maxBodyBytes: maxBodyBytes, additionalTrustRoots: trust)
    }

    /// The default deadline is far above what any request here needs on an idle machine: it
    /// only bounds a test that went wrong. In a full parallel `swift test` on two cores, every
    /// suite starting at once, 50 requests queued behind 4 connections once took over 10 s.
    static func get(
        _ client: GatewayHTTPClient,
        _ target: String = "/send?to=1",
        timeout: TimeAmount = .seconds(40)
    ) async throws
        -> GatewayHTTPResponse
    {
        try await client.execute(GatewayHTTPRequest(target: target), timeout: timeout)
    }

    /// The client's failure as a `GatewayHTTPError` (a success or another error fails the test).
    static func failure(_ client: GatewayHTTPClient, timeout: TimeAmount = .seconds(40)) async throws -> GatewayHTTPError {
        do {
            let response = try await get(client, timeout: timeout)
            Issue.record("expected a failure, got HTTP \(response.status)")
            throw CancellationError()
        } catch let error as GatewayHTTPError {
            return error
        }
    }

    /// Waits until `condition` holds (at most 10 s): for something the client must do on its
    /// own, such as noticing that the gateway closed a connection.
    static func eventually(_ condition: () -> Bool) async throws {
        let clock = ContinuousClock()
        let end = clock.now + .seconds(10)
        while !condition(), clock.now < end { try await Task.sleep(for: .milliseconds(5)) }
        #expect(condition())
    }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        try await GatewayTestServer.with { server in
            let client = try Self.client(server)
            for i in 0..<5 {
                let response = try await Self.get(client, "/send?to=\(i)")
                #expect(response.status == 200 && String(buffer: response.body) == "OK" && response.keepAlive)
            }
            #expect(server.accepted == 1)
            #expect(server.requests.map(\.uri) == (0..<5).map { "/send?to=\($0)" })
            #expect(server.requests.first?.headers["Host"] == ["127.0.0.1:\(server.port)"])
            await client.shutdown()
        }
    }

    /// Answers are held until four requests are in at once: the pool must open all four
    /// connections it may, and never a fifth, however many requests wait.
    @Test func theConnectionCapHoldsUnderFiftyConcurrentRequests() async throws {
        try await GatewayTestServer.with(hold: .init(untilConcurrent: 4)) { server in
            let client = try Self.client(server, maxConnections: 4)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<50 { group.addTask { try await Self.get(client, "/send?to=\(i)").status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 50))
            #expect(server.accepted == 4)
            #expect(server.peakConcurrency == 4)
            #expect(server.requests.count == 50)
            await client.shutdown()
        }
    }

    @Test func connectionCloseAnswersMakeTheNextRequestUseANewConnection() async throws {
        try await GatewayTestServer.with(reply: .connectionClose("bye")) { server in
            let client = try Self.client(server)
            for _ in 0..<3 {
                let response = try await Self.get(client)
                #expect(response.status == 200 && String(buffer: response.body) == "bye" && !response.keepAlive)
            }
            #expect(server.accepted == 3)
            server.reply(.http10("old gateway"))
            for _ in 0..<2 { #expect(String(buffer: try await Self.get(client).body) == "old gateway") }
            #expect(server.accepted == 5)
            await client.shutdown()
        }
    }

    @Test func aServerThatClosesAnIdleKeptAliveConnectionDoesNotFailTheNextRequest() async throws {
        try await GatewayTestServer.with(reply: .closeAfterAnswer("OK")) { server in
            let client = try Self.client(server)
            #expect(try await Self.get(client).keepAlive)
            try await Self.eventually { client.connectionCount == 0 }
            #expect(try await Self.get(client).status == 200)
            #expect(server.accepted == 2)
            await client.shutdown()
        }
    }

    @Test func anIdleConnectionIsClosedAfterTheIdleTimeoutAndTheNextRequestOpensANewOne() async throws {
        try await GatewayTestServer.with { server in
            let origin = try #require(GatewayHTTPOrigin(url: "http://127.0.0.1:\(server.port)/"))
            let client = GatewayHTTPClient(
                origin: origin,
                maxConnections: 2,
                maxBodyBytes: 1024,
                additionalTrustRoots: [],
                idleTimeout: .milliseconds(100)
            )
            #expect(try await Self.get(client).status == 200)
            try await Self.eventually { client.connectionCount == 0 }
            #expect(try await Self.get(client).status == 200)
            #expect(server.accepted == 2)
            await client.shutdown()
        }
    }

    @Test func aServerThatNeverAnswersFailsAtTheDeadlineAndItsConnectionIsDropped() async throws {
        try await GatewayTestServer.with { server in
            let client = try Self.client(server)
            // Connected first, so the short timeout is spent waiting for the answer alone.
            #expect(try await Self.get(client).status == 200)
            server.reply(.never)
            let error = try await Self.failure(client, timeout: .milliseconds(200))
            #expect(error.code == .deadlineExceeded)
            #expect(client.connectionCount == 0)
            server.reply(.ok("late but fine"))
            #expect(String(buffer: try await Self.get(client).body) == "late but fine")
            #expect(server.accepted == 2)
            await client.shutdown()
        }
    }

    /// The timeout is an hour: a refusal that waited for it would hit the test's time limit.
    @Test func aRefusedPortFailsAtOnce() async throws {
        let port = try await GatewayTestServer.closedPort()
        let client = GatewayHTTPClient(
            origin: try #require(GatewayHTTPOrigin(url: "http://127.0.0.1:\(port)/")),
            maxConnections: 2,
            maxBodyBytes: 1024
        )
        do {
            _ = try await client.execute(GatewayHTTPRequest(target: "/"), timeout: .hours(1))
            Issue.record("a closed port answered")
        } catch let error as GatewayHTTPError {
            #expect(error.code == .connectFailed)
        }
        #expect(client.connectionCount == 0)
        await client.shutdown()
    }

    @Test func aBodyOverTheLimitIsAnErrorNamingTheLimit() async throws {
        try await GatewayTestServer.with(reply: .large(5000)) { server in
            let client = try Self.client(server, maxBodyBytes: 4096)
            let error = try await Self.failure(client)
            #expect(error.code == .responseTooLarge)
            #expect(error.description.contains("4096"))
            server.reply(.large(4096))
            #expect(try await Self.get(client).body.readableBytes == 4096)
            await client.shutdown()
        }
    }

    @Test func aChunkedBodyIsReadWholeAndTheConnectionKept() async throws {
        try await GatewayTestServer.with(reply: .chunked(["OK ", "id=", "77\n"])) { server in
            let client = try Self.client(server)
            #expect(String(buffer: try await Self.get(client).body) == "OK id=77\n")
            #expect(String(buffer: try await Self.get(client).body) == "OK id=77\n")
            #expect(server.accepted == 1)
            await client.shutdown()
        }
    }

    @Test
    func httpsWorksWithATrustedCertificateAndSendsTheHostName() async throws {
        let certificate = try GatewayTestCertificate.make()
        try await GatewayTestServer.with(tls: try certificate.serverContext()) { server in
            let client = try Self.client(server, https: true, host: "localhost", trust: [certificate.certificate])
            #expect(String(buffer: try await Self.get(client).body) == "OK")
            #expect(try await Self.get(client).status == 200)
            #expect(server.accepted == 1)
            #expect(server.requests.first?.headers["Host"] == ["localhost:\(server.port)"])
            await client.shutdown()
        }
    }

    @Test
    func httpsRefusesAnUntrustedCertificate() async throws {
        let certificate = try GatewayTestCertificate.make()
        try await GatewayTestServer.with(tls: try certificate.serverContext()) { server in
            let client = try Self.client(server, https: true, host: "localhost")
            let error = try await Self.failure(client)
            #expect(error.code == .connectFailed && error.underlying is NIOSSLError, "\(error)")
            #expect(server.requests.isEmpty)
            await client.shutdown()
        }
    }

    /// The answer is held until the test releases it, after shutdown has begun: the request
    /// under way still gets its answer, and only then is everything closed.
    @Test func shutdownLetsARequestUnderWayFinishAndRefusesNewOnes() async throws {
        try await GatewayTestServer.with(hold: .init(untilConcurrent: .max)) { server in
            let client = try Self.client(server)
            async let underWay = Self.get(client)
            try await Self.eventually { server.requests.count == 1 }
            async let shutdown: Void = client.shutdown()
            try await Self.eventually { client.isDraining }
            let refused = try await Self.failure(client)
            #expect(refused.code == .shutdown)
            server.release()
            #expect(try await underWay.status == 200)
            await shutdown
            #expect(client.connectionCount == 0)
            #expect(server.requests.count == 1)
        }
    }
}
