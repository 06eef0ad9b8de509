import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import Prometheus
import SwitchboardCore
import SwitchboardSQLite
import Synchronization
import Testing

@testable import SwitchboardServer

/// One Prometheus registry for the whole test process: `MetricsSystem.bootstrap` may run
/// only once per process, and a `static let` initialiser runs exactly once.
enum TestMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}

/// A hub on a fresh in-memory SQLite store with the `tester` bucket, an admin, and the HTTP
/// application in front of it, driven through Hummingbird's router test client.
struct Harness {
    static let adminPassword = "admin-secret-1"

    let hub: Hub
    let accounts: Accounts
    /// The clock the login and connector throttle reads; tests move it instead of sleeping.
    let clock: ManualClock
    let throttle: AuthThrottle
    var tester: BucketConnector { hub.bucket(named: "tester")! }
    var store: any HubStore { hub.store }

    init(extraConnectors: [any Connector] = [], configure: (inout HubConfiguration) -> Void = { _ in }) async throws {
        _ = TestMetrics.registry  // bootstrap metrics before the hub makes any counter
        var configuration = HubConfiguration.embeddedDefault
        configure(&configuration)
        var logger = Logger(label: "switchboard-test")
        logger.logLevel = .warning
        let store = try SQLiteStore.inMemory()
        hub = Hub(configuration: configuration, store: store, connectors: [BucketConnector(name: "tester")] + extraConnectors, logger: logger)
        accounts = Accounts(store: store, bcryptCost: 4)
        let clock = ManualClock()
        self.clock = clock
        throttle = AuthThrottle(now: { clock.now })
        let bootstrap = try await accounts.bootstrapAdmin(username: "admin", password: Self.adminPassword)
        #expect(bootstrap == .created(generatedPassword: nil))
    }

    var logger: Logger {
        var logger = Logger(label: "switchboard-test-http")
        logger.logLevel = .warning
        return logger
    }

    /// Runs `body` against the application, with a client not yet logged in.
    func run<T: Sendable>(_ body: @Sendable (API) async throws -> T) async throws -> T {
        let app = buildApplication(hub: hub, registry: TestMetrics.registry, logger: logger, accounts: accounts, throttle: throttle)
        return try await app.test(.router) { client in try await body(API(client: client)) }
    }

    /// A user with the `user` role and a known password.
    @discardableResult
    func makeUser(_ name: String, password: String = "user-secret-1") async throws -> UserAccount {
        try await accounts.createUser(username: name, password: password, role: .user)
    }

    /// Proves a refused request left the outbox as it was: nothing is due, and a full drain
    /// hands the tester nothing more than it already had.
    func expectNothingQueued(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(try await store.nextDue() == nil, "a delivery was queued", sourceLocation: sourceLocation)
        let before = tester.sent().count
        await hub.dispatcher.drain()
        #expect(tester.sent().count == before, "the tester was asked to send", sourceLocation: sourceLocation)
    }
}

/// A clock that stands still until a test moves it.
final class ManualClock: Sendable {
    private let start = ContinuousClock.now
    private let offset = Mutex<Duration>(.zero)

    var now: ContinuousClock.Instant { start + offset.withLock { $0 } }

    func advance(by duration: Duration) {
        offset.withLock { $0 += duration }
    }
}

/// A test client that carries one identity (none, a session cookie or a bearer token).
struct API: Sendable {
    enum Credential: Sendable {
        case none
        case cookie(String)
        case bearer(String)
    }

    let client: any TestClientProtocol
    var credential: Credential = .none

    func with(_ credential: Credential) -> API { API(client: client, credential: credential) }

    func call(_ method: HTTPRequest.Method, _ uri: String, _ json: String? = nil, headers: HTTPFields = [:]) async throws -> Reply {
        var headers = headers
        switch credential {
        case .none: break
        case .cookie(let value): headers[.cookie] = "\(SessionCookie.name)=\(value)"
        case .bearer(let token): headers[.authorization] = "Bearer \(token)"
        }
        if json != nil { headers[.contentType] = "application/json" }
        let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        return Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    func get(_ uri: String) async throws -> Reply { try await call(.get, uri) }
    func post(_ uri: String, _ json: String? = nil, headers: HTTPFields = [:]) async throws -> Reply {
        try await call(.post, uri, json, headers: headers)
    }
    func put(_ uri: String, _ json: String) async throws -> Reply { try await call(.put, uri, json) }
    func patch(_ uri: String, _ json: String) async throws -> Reply { try await call(.patch, uri, json) }
    func delete(_ uri: String) async throws -> Reply { try await call(.delete, uri) }

    /// Logs in and returns a client that sends the session cookie.
    func login(_ username: String, _ password: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> API {
        let reply = try await post("/api/v1/session", #"{"username": "\#(username)", "password": "\#(password)"}"#)
        try #require(reply.status == .ok, "login failed: \(reply.text)", sourceLocation: sourceLocation)
        let cookie = try #require(reply.sessionCookie, sourceLocation: sourceLocation)
        return with(.cookie(cookie))
    }

    func loginAdmin() async throws -> API { try await login("admin", Harness.adminPassword) }
}

/// The strict parser's value: Core's public `JSONValue` (conversation data) has the same name.
typealias JSONValue = SwitchboardServer.JSONValue

/// A response, with its body read as text and (on demand) as JSON.
struct Reply: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let text: String

    var json: JSONValue {
        get throws { try StrictJSON.parse(Array(text.utf8)) }
    }

    /// The API's error code, if the body is an error.
    var errorCode: String? { (try? json)?["error"].string }
    var errorMessage: String { (try? json)?["message"].string ?? "" }

    /// The session cookie's value from `Set-Cookie`, if set and not being cleared.
    var sessionCookie: String? {
        setCookie.flatMap { header in
            guard header.hasPrefix("\(SessionCookie.name)=") else { return nil }
            let value = header.dropFirst(SessionCookie.name.count + 1).prefix { $0 != ";" }
            return value.isEmpty ? nil : String(value)
        }
    }

    var setCookie: String? { headers[.setCookie] }
}

extension JSONValue {
    subscript(key: String) -> JSONValue {
        if case .object(let o) = self { return o[key] ?? .null }
        return .null
    }

    subscript(index: Int) -> JSONValue {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return .null
    }

    var string: String? { if case .string(let s) = self { s } else { nil } }
    var int: Int? { if case .number(let n) = self { Int(n) } else { nil } }
    var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    var array: [JSONValue] { if case .array(let a) = self { a } else { [] } }
    var isNull: Bool { self == .null }
    var keys: Set<String> { if case .object(let o) = self { Set(o.keys) } else { [] } }
}
