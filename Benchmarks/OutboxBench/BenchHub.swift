import AsyncHTTPClient
import BenchmarkSupport
import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import SwitchboardCore
import SwitchboardSMS
import SwitchboardSQLite
import SwitchboardServer

/// Where a run's messages go: the in-memory bucket, or the HTTP gateway stand-in on loopback.
enum BenchTarget: String, Sendable, CaseIterable, Codable {
    case bucket, gateway

    /// The recipient every benchmark message is sent to; its channel picks the connector.
    var recipient: String {
        switch self {
        case .bucket: "mailto:bench@example.org"
        case .gateway: "sms:+4790000001"
        }
    }
}

/// One hub built the way `switchboard serve` builds it (SQLiteStore in a data directory, Hub,
/// `buildApplication`, the hub's services and the HTTP server in one `ServiceGroup`), on a
/// fresh temporary data directory, with two connectors:
///
/// - `bucket` (engine `bucket`) routes the `email` channel;
/// - `gateway` (engine `http-gateway`) routes the `sms` channel to `GatewayStandIn`.
///
/// Each run gets its own hub, so no run starts with another run's rows in the database.
struct BenchHub: BenchSystem {
    struct Settings: Sendable {
        var synchronous: StorageSettings.Synchronous
        /// Dispatcher workers; `nil` keeps the hub's default.
        var workers: Int?
        /// API port; `nil` picks a free one.
        var port: Int?
        var keepData: Bool
        var logger: Logger
        var registry: PrometheusCollectorRegistry
        /// `false` leaves the dispatcher out of the service group: the caller drives it.
        var startDispatcher = true
    }

    let hub: Hub
    let baseURL: String
    let bearerToken: String
    let bucket: BucketConnector
    let gateway: GatewayStandIn
    let dataDirectory: String

    var baseURLs: [String] { [baseURL] }
    var inProcessHub: Hub? { hub }

    func hasOutstanding() async throws -> Bool { try await hub.store.nextDue() != nil }

    /// Everything runs in this process: its CPU is the run's.
    func clusterCPU() -> ClusterCPU? { nil }

    /// When each delivery id reached `target`'s connector.
    func arrivals(at target: BenchTarget) -> [String: Date] {
        switch target {
        case .bucket:
            var out: [String: Date] = [:]
            for item in bucket.sent() where out[item.deliveryID] == nil { out[item.deliveryID] = item.sentAt }
            return out
        case .gateway:
            return gateway.arrivals()
        }
    }

    /// Builds and starts a hub, runs `body` against it, stops it and removes its data.
    static func withHub<T: Sendable>(
        _ settings: Settings,
        client: HTTPClient,
        _ body: @Sendable @escaping (BenchHub) async throws -> T
    ) async throws -> T {
        let logger = settings.logger
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-bench-\(UUID().uuidString)").path
        defer {
            if settings.keepData {
                FileHandle.standardError.write(Data("data kept in \(directory)\n".utf8))
            } else {
                try? FileManager.default.removeItem(atPath: directory)
            }
        }

        let standIn = GatewayStandIn()
        return try await standIn.whileRunning(logger: logger) { gatewayPort in
            let apiPort = try settings.port ?? LoopbackPort.free()
            var configuration = HubConfiguration()
            configuration.server.host = "127.0.0.1"
            configuration.server.port = apiPort
            configuration.storage.dataDirectory = directory
            configuration.storage.synchronous = settings.synchronous
            configuration.connectors = [
                ConnectorSettings(name: "bucket", engine: "bucket", channels: [.email], settings: .mapping([])),
                ConnectorSettings(name: "gateway", engine: "http-gateway", channels: [.sms], settings: .mapping([])),
            ]
            configuration.channels = [.email: .init(route: ["bucket"]), .sms: .init(route: ["gateway"])]
            if let workers = settings.workers { configuration.dispatcher.workers = workers }

            // The bucket keeps every item (its default keeps 10,000) so each one's sentAt can be read.
            var bucketConfiguration = BucketConnector.Configuration()
            bucketConfiguration.capacity = 50_000_000
            let bucket = BucketConnector(name: "bucket", channels: [.email], configuration: bucketConfiguration)
            var gatewayConfiguration = HTTPGatewayConnector.Configuration(
                url: try GatewayTemplate("http://127.0.0.1:\(gatewayPort)/send?to={to}&id={id}&text={text}")
            )
            gatewayConfiguration.successPattern = try GatewayPattern("^OK")
            gatewayConfiguration.receiptPattern = try GatewayPattern("id=([0-9]+)")
            let gateway = HTTPGatewayConnector(name: "gateway", channels: [.sms], configuration: gatewayConfiguration)

            // As `HubFactory.openStore` does: the data directory's `switchboard.sqlite`.
            let store = try SQLiteStore(directory: directory, synchronous: settings.synchronous)
            let hub = Hub(configuration: configuration, store: store, connectors: [bucket, gateway], logger: logger)
            _ = try await Accounts(store: hub.store).bootstrapAdmin(username: "admin", password: nil)
            // As `serve` does at start (a no-op on a fresh data directory).
            _ = try await hub.store.releaseClaims(now: Date())
            let password = "bench-\(UUID().uuidString)"
            try await Accounts(store: hub.store).createUser(username: "bench", password: password, role: .user)

            let app = buildApplication(hub: hub, registry: settings.registry, logger: logger)
            let services = settings.startDispatcher ? hub.services : hub.services.filter { !($0 is OutboxDispatcher) }
            // As `serve` does: the checkpointer first, so it stops last.
            let checkpointer: [any Service] = store.checkpointer.map { [$0] } ?? []
            let hubGroup = ServiceGroup(configuration: .init(services: checkpointer + services + [app], logger: logger))
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await hubGroup.run() }
                let baseURL = "http://127.0.0.1:\(apiPort)"
                do {
                    try await waitUntilHealthy(client: client, baseURL: baseURL)
                    let token = try await makeToken(client: client, baseURL: baseURL, username: "bench", password: password)
                    let benchHub = BenchHub(
                        hub: hub,
                        baseURL: baseURL,
                        bearerToken: token,
                        bucket: bucket,
                        gateway: standIn,
                        dataDirectory: directory
                    )
                    let result = try await body(benchHub)
                    await hubGroup.triggerGracefulShutdown()
                    try await group.waitForAll()
                    return result
                } catch {
                    await hubGroup.triggerGracefulShutdown()
                    throw error
                }
            }
        }
    }

    /// Polls `GET /health` until the hub answers 200 (the server binds after `run()` starts).
    static func waitUntilHealthy(client: HTTPClient, baseURL: String) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let response = try? await client.execute(HTTPClientRequest(url: baseURL + "/health"), timeout: .seconds(2)),
                response.status == .ok
            {
                _ = try? await response.body.collect(upTo: 4096)
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchFailure("the hub did not answer GET /health at \(baseURL) within 20 s")
    }

    /// Logs in through the API (session cookie) and creates a bearer token with it, as a
    /// script author would.
    static func makeToken(client: HTTPClient, baseURL: String, username: String, password: String) async throws -> String {
        var login = HTTPClientRequest(url: baseURL + "/api/v1/session")
        login.method = .POST
        login.headers.add(name: "Content-Type", value: "application/json")
        let credentials = try JSONSerialization.data(withJSONObject: ["username": username, "password": password])
        login.body = .bytes(ByteBuffer(bytes: credentials))
        let loggedIn = try await client.execute(login, timeout: .seconds(30))
        _ = try await loggedIn.body.collect(upTo: 64 * 1024)
        guard loggedIn.status == .ok,
            let cookie = loggedIn.headers["Set-Cookie"].first?.split(separator: ";").first
        else {
            throw BenchFailure("logging in as \(username) failed: HTTP \(loggedIn.status.code)")
        }

        var create = HTTPClientRequest(url: baseURL + "/api/v1/tokens")
        create.method = .POST
        create.headers.add(name: "Content-Type", value: "application/json")
        create.headers.add(name: "Cookie", value: String(cookie))
        create.body = .bytes(ByteBuffer(string: #"{"name":"switchboard-bench"}"#))
        let created = try await client.execute(create, timeout: .seconds(30))
        let body = try await created.body.collect(upTo: 64 * 1024)
        struct Created: Decodable { var token: String }
        guard created.status == .created, let token = try? JSONDecoder().decode(Created.self, from: Data(body.readableBytesView)).token else {
            throw BenchFailure("creating a token failed: HTTP \(created.status.code) \(String(buffer: body))")
        }
        return token
    }
}
