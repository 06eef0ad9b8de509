import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import SwitchboardCore

// README-internal: how this target is laid out, and how to add a store protocol.
//
// - One extension per protocol, declaring the conformance: `extension PostgresStore: OutboxStore`
//   in `PostgresStore+Outbox.swift` (its `finish` half in `+Finish`),
//   `+Queue` (QueueStore), `+Reports` (DeliveryReportStore); add `PostgresStore+Inbox.swift`,
//   `+Directory`, `+Credentials`, `+Forms`, `+Conversations`, … the same way, mirroring the
//   matching `SQLiteStore+X.swift`. Row decoding lives beside it in `XRecords.swift`.
// - Schema: append a `PostgresMigration(version: N, name: "…", sql: …)` to
//   `PostgresMigrations.all`; never edit one that has shipped. All pending migrations run in
//   one transaction under `pg_advisory_xact_lock`, so nodes starting together cannot race.
// - SQL: always `PostgresQuery` interpolation (`"… WHERE id = \(id)"` binds `$1`); only
//   `unescaped:` for text built from Core's enums. Dates are `timestamptz`
//   (`PostgresDate.normalize` rounds a `Date` the way the column keeps it).
// - Transactions: `store.transaction { connection in … }` (BEGIN … COMMIT, ROLLBACK on
//   throw, the body's error rethrown unchanged); `store.isUniqueViolation(error)` and
//   `PostgresStoreError` for mapping server errors.
// - Tests: `Tests/SwitchboardPostgresTests`, `PostgresTestDatabase.withHarness { harness in
//   … harness.makeStore() … }` gives each store a fresh schema on the server named by
//   `SWITCHBOARD_TEST_POSTGRES_URL` (`scripts/pg-test-server.sh start` prints it; the test
//   command starts one). Conformance parts run as in `PostgresConformanceTests.swift`.

/// The store of several hub nodes sharing one PostgreSQL database.
///
/// Every node is a client of the same tables: a write commits before anyone is told it was
/// accepted (one transaction, `synchronous_commit` as the server has it, on by default), and
/// work is shared by row locks (`FOR UPDATE SKIP LOCKED`) under leases, never by anything held
/// in one process. Connections come from postgres-nio's pooled `PostgresClient`, which needs
/// its `run()` going: the store is a `Service` that runs it.
package final class PostgresStore: Service, Sendable {
    /// How to reach the database.
    package struct Configuration: Sendable {
        package var endpoint: PostgresEndpoint
        package var poolSize: Int
        package var tls: PostgresSettings.TLSMode
        package var caFile: String?
        package var connectTimeout: TimeInterval
        /// A schema to use instead of `public` (tests give each store a fresh one); it must
        /// exist. Set as the connection's `search_path` when it opens.
        package var schema: String?

        package init(
            endpoint: PostgresEndpoint,
            poolSize: Int = 10,
            tls: PostgresSettings.TLSMode = .prefer,
            caFile: String? = nil,
            connectTimeout: TimeInterval = 10,
            schema: String? = nil
        ) {
            self.endpoint = endpoint
            self.poolSize = poolSize
            self.tls = tls
            self.caFile = caFile
            self.connectTimeout = connectTimeout
            self.schema = schema
        }

        /// The settings of `storage.postgres`; nil when the URL was not read.
        package init?(_ settings: PostgresSettings) {
            guard let endpoint = settings.endpoint else { return nil }
            self.init(
                endpoint: endpoint,
                poolSize: settings.poolSize,
                tls: settings.tls,
                caFile: settings.caFile,
                connectTimeout: settings.connectTimeout
            )
        }
    }

    package let configuration: Configuration
    let client: PostgresClient
    let logger: Logger
    /// Concurrent single accepts share one transaction (see `PostgresStore+GroupedAccept`).
    let acceptGroups: LeaderBatcher<Submission, Result<Acceptance, any Error>>
    /// This store's mark in the notices it sends, so its own listener can tell them apart.
    let instance = UUID().uuidString.prefix(8).lowercased()

    /// Makes the pool; nothing connects until `run()` is going and a query asks.
    package init(configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let client = PostgresClient(configuration: try Self.clientConfiguration(configuration), backgroundLogger: logger)
        self.client = client
        acceptGroups = LeaderBatcher { group in await Self.accept(group: group, client: client, logger: logger) }
    }

    static func clientConfiguration(_ configuration: Configuration) throws -> PostgresClient.Configuration {
        let endpoint = configuration.endpoint
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = configuration.caFile { tls.trustRoots = .file(caFile) }
        let mode: PostgresClient.Configuration.TLS =
            switch configuration.tls {
            case .disable: .disable
            case .prefer: .prefer(tls)
            case .require: .require(tls)
            }
        var client = PostgresClient.Configuration(
            host: endpoint.host,
            port: endpoint.port,
            username: endpoint.username,
            password: endpoint.password,
            database: endpoint.database,
            tls: mode
        )
        client.options.maximumConnections = configuration.poolSize
        client.options.connectTimeout = .milliseconds(Int64(configuration.connectTimeout * 1000))
        if let schema = configuration.schema { client.options.additionalStartupParameters = [("search_path", schema)] }
        return client
    }

    /// Runs the connection pool until cancelled or told to shut down gracefully.
    package func run() async throws {
        await client.run()
    }

    /// Brings the schema up to date (see `PostgresMigrator`); returns the versions applied now.
    @discardableResult
    package func migrate() async throws -> [Int] {
        try await PostgresMigrator(migrations: PostgresMigrations.all).migrate(self)
    }

    // MARK: - Helpers shared by the feature extensions

    /// Runs `body` in one transaction on one pooled connection: BEGIN, the body, COMMIT;
    /// ROLLBACK when the body throws, whose error is rethrown as it was (so a
    /// `SwitchboardError` reaches the caller unchanged).
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await Self.transaction(client: client, logger: logger, body)
    }

    /// `transaction(_:)` on a given pool, for work that runs where the store is not at hand
    /// (a `LeaderBatcher`'s batch, made before the store is).
    static func transaction<T: Sendable>(
        client: PostgresClient,
        logger: Logger,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            let value: T
            do {
                value = try await body(connection)
            } catch {
                // A broken connection rolls back by itself; nothing else to do then.
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
            try await connection.query("COMMIT", logger: logger)
            return value
        }
    }

    /// Runs one statement outside an explicit transaction (it commits by itself) and
    /// collects its rows.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        var rows: [PostgresRandomAccessRow] = []
        for try await row in try await client.query(query, logger: logger) { rows.append(row.makeRandomAccess()) }
        return rows
    }
}

extension PostgresConnection {
    /// Runs one statement and collects its rows, addressable by column name.
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        var rows: [PostgresRandomAccessRow] = []
        for try await row in try await self.query(query, logger: logger) { rows.append(row.makeRandomAccess()) }
        return rows
    }

    /// Runs one statement for its effect; returns how many rows it changed.
    @discardableResult
    func execute(_ query: PostgresQuery, logger: Logger) async throws -> Int {
        // The future-returning overload is the one that reports the count.
        let result: EventLoopFuture<PostgresQueryResult> = self.query(query, logger: logger)
        return try await result.get().metadata.rows ?? 0
    }
}

extension PostgresStore {
    /// True for a duplicate primary key or unique value (SQLSTATE 23505).
    func isUniqueViolation(_ error: any Error) -> Bool { Self.isUniqueViolation(error) }
    static func isUniqueViolation(_ error: any Error) -> Bool { (error as? PSQLError)?.serverInfo?[.sqlState] == "23505" }
    /// True for a violated foreign key (SQLSTATE 23503).
    func isForeignKeyViolation(_ error: any Error) -> Bool { (error as? PSQLError)?.serverInfo?[.sqlState] == "23503" }
}

/// How dates are kept: `timestamptz`, microseconds, which postgres-nio writes by truncating.
enum PostgresDate {
    private static let start = Date(timeIntervalSince1970: 946_684_800)
    /// The value a date reads back as, so a returned record equals a re-read one.
    static func normalize(_ date: Date) -> Date {
        let micros = Int64(date.timeIntervalSince(start) * 1_000_000)
        return Date(timeInterval: Double(micros) / 1_000_000, since: start)
    }
}
