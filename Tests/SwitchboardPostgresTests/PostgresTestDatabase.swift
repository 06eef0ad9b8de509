import Foundation
import Logging
import PostgresNIO
import SwitchboardCore
import Synchronization
import Testing

@testable import SwitchboardPostgres

/// The PostgreSQL server the tests run against: `SWITCHBOARD_TEST_POSTGRES_URL`, which the
/// test command (`scripts/test.sh`) and `scripts/pg-test-server.sh start` provide.
///
/// Without it the tests are skipped on a developer's machine, but in CI (`CI=true`) they run
/// and fail, so a broken harness can never turn into a silently green suite.
enum PostgresTestDatabase {
    static let urlVariable = "SWITCHBOARD_TEST_POSTGRES_URL"

    /// Whether the suites run here: a server is named, or this is CI (where a missing one fails).
    static var enabled: Bool {
        let env = ProcessInfo.processInfo.environment
        return env[urlVariable].map { !$0.isEmpty } == true || env["CI"] == "true"
    }

    static func endpoint() throws -> PostgresEndpoint {
        guard let url = ProcessInfo.processInfo.environment[urlVariable], !url.isEmpty else {
            throw HarnessError(message: "\(urlVariable) is not set: start a server with scripts/pg-test-server.sh start")
        }
        do { return try PostgresEndpoint(url: url) } catch { throw HarnessError(message: "\(urlVariable) \(error.message)") }
    }

    static let logger: Logger = {
        var logger = Logger(label: "switchboard.postgres.tests")
        logger.logLevel = .error
        return logger
    }()

    /// Runs `body` with a harness whose stores each live in a fresh schema of the test
    /// database, with their pools running; afterwards the pools stop and the schemas are dropped.
    static func withHarness(_ body: (PostgresHarness) async throws -> Void) async throws {
        let endpoint = try endpoint()
        let admin = try PostgresStore(configuration: .init(endpoint: endpoint, poolSize: 2, tls: .disable), logger: logger)
        let (pools, poolQueue) = AsyncStream.makeStream(of: PostgresStore.self)
        let harness = PostgresHarness(endpoint: endpoint, admin: admin, pools: poolQueue)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await admin.run() }
            group.addTask {
                // Every store's pool runs here until the harness ends.
                await withDiscardingTaskGroup { runners in
                    for await store in pools { runners.addTask { try? await store.run() } }
                }
            }
            var failure: (any Error)?
            do { try await body(harness) } catch { failure = error }
            do { try await harness.dropSchemas() } catch { failure = failure ?? error }
            poolQueue.finish()
            group.cancelAll()
            if let failure { throw failure }
        }
    }
}

/// Makes stores for one test: each on a schema of its own (or a shared one, for tests of
/// several nodes on one database).
final class PostgresHarness: Sendable {
    let endpoint: PostgresEndpoint
    let admin: PostgresStore
    private let pools: AsyncStream<PostgresStore>.Continuation
    private let schemas = Mutex<[String]>([])

    init(endpoint: PostgresEndpoint, admin: PostgresStore, pools: AsyncStream<PostgresStore>.Continuation) {
        self.endpoint = endpoint
        self.admin = admin
        self.pools = pools
    }

    /// A new, empty schema's name (dropped when the harness ends).
    func makeSchema() async throws -> String {
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        _ = try await admin.rows(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(name)"))
        schemas.withLock { $0.append(name) }
        return name
    }

    /// A store on `schema` with its pool running, not migrated.
    func makeUnmigratedStore(schema: String, poolSize: Int = 4, logger: Logger = PostgresTestDatabase.logger) throws -> PostgresStore {
        let configuration = PostgresStore.Configuration(endpoint: endpoint, poolSize: poolSize, tls: .disable, schema: schema)
        let store = try PostgresStore(configuration: configuration, logger: logger)
        pools.yield(store)
        return store
    }

    /// A new, empty, migrated store: what the conformance suites ask for on every call.
    func makeStore() async throws -> PostgresStore {
        let store = try makeUnmigratedStore(schema: try await makeSchema())
        try await store.migrate()
        return store
    }

    func dropSchemas() async throws {
        for name in schemas.withLock({ $0 }) {
            _ = try await admin.rows(PostgresQuery(unsafeSQL: "DROP SCHEMA \(name) CASCADE"))
        }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
