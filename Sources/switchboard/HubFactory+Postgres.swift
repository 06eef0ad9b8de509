import Foundation
import Logging
import SwitchboardCore
import SwitchboardPostgres

/// `storage.driver: postgres`: opening the shared database, waiting for it when it is away,
/// migrating it, and building the hub on it once the PostgreSQL store keeps everything.
extension HubFactory {
    /// The store protocols a hub needs that `store` does not implement, by name; empty when
    /// it is a whole `HubStore`. Read from the store's conformances, so it follows the code.
    static func missingProtocols(_ store: PostgresStore) -> [String] {
        let store: any Sendable = store
        let checks: [(String, Bool)] = [
            ("OutboxStore", store is any OutboxStore),
            ("QueueStore", store is any QueueStore),
            ("DeliveryReportStore", store is any DeliveryReportStore),
            ("InboxStore", store is any InboxStore),
            ("DirectoryStore", store is any DirectoryStore),
            ("CredentialStore", store is any CredentialStore),
            ("FormStore", store is any FormStore),
            ("ConversationStore", store is any ConversationStore),
        ]
        return checks.filter { !$0.1 }.map(\.0)
    }

    /// The PostgreSQL store of `storage.postgres` (its pool not yet running).
    static func openPostgres(_ configuration: HubConfiguration, logger: Logger) throws -> PostgresStore {
        guard let settings = PostgresStore.Configuration(configuration.storage.postgres) else {
            // `check-config` reports this too; here for a configuration built another way.
            throw CLIFailure("storage.postgres: environment variable \(configuration.storage.postgres.urlEnv) is not set")
        }
        return try PostgresStore(configuration: settings, logger: logger)
    }

    /// The hub on `store`, or why it cannot be built yet.
    static func makeHub(configuration: HubConfiguration, connectors: [any Connector], postgres store: PostgresStore, logger: Logger) throws -> Hub {
        let erased: any Sendable = store
        guard let hubStore = erased as? any HubStore else {
            let missing = missingProtocols(store)
            throw CLIFailure(
                "storage.driver: postgres cannot run a hub yet: the PostgreSQL store does not implement \(missing.joined(separator: ", ")) "
                    + "(issue 14); use storage.driver: sqlite"
            )
        }
        return makeHub(configuration: configuration, connectors: connectors, store: hubStore, logger: logger)
    }

    /// Runs `body` with the hub of `options` on its store: SQLite opened here, or PostgreSQL
    /// reached, migrated and with its pool going as `serve` has it (the URL from the
    /// environment). For the commands that work on the store and exit (send, users, queue,
    /// tester); the pool stops when `body` returns.
    static func withHub<T>(_ options: HubOptions, logger: Logger, _ body: (Hub) async throws -> T) async throws -> T {
        let (configuration, connectors) = try loadConfiguration(options)
        switch configuration.storage.driver {
        case .sqlite:
            return try await body(makeHub(configuration: configuration, connectors: connectors, logger: logger))
        case .postgres:
            return try await withPostgres(configuration, logger: logger) { store in
                try await body(makeHub(configuration: configuration, connectors: connectors, postgres: store, logger: logger))
            }
        }
    }

    /// Runs `body` with the PostgreSQL store's pool going: first waits until the database
    /// answers (each failure logged with where and why, then retried with back-off and jitter),
    /// then migrates; the pool stops when `body` returns or throws.
    static func withPostgres<T>(
        _ configuration: HubConfiguration,
        logger: Logger,
        _ body: (PostgresStore) async throws -> T
    ) async throws -> T {
        let store = try openPostgres(configuration, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            let result: T
            do {
                try await store.waitUntilReachable { failure in
                    logger.warning(
                        "cannot reach PostgreSQL; retrying",
                        metadata: [
                            "database": "\(failure.database)", "reason": "\(failure.reason)", "attempt": "\(failure.attempt)",
                            "retry_in": "\(String(format: "%.1f", failure.retryIn))s",
                        ]
                    )
                }
                let applied = try await store.migrate()
                logger.info("PostgreSQL ready", metadata: ["database": "\(store.configuration.endpoint)", "migrated": "\(applied)"])
                result = try await body(store)
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
            return result
        }
    }
}
