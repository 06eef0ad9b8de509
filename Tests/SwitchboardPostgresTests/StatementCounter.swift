import Foundation
import Logging
import Synchronization

@testable import SwitchboardPostgres

/// Counts the statements the server completed (its CommandComplete replies, which
/// postgres-nio logs at trace level as it receives them) on the store's connections.
final class StatementCounter: LogHandler, Sendable {
    private let count = Atomic<Int>(0)

    var statements: Int { count.load(ordering: .acquiring) }
    func reset() { count.store(0, ordering: .releasing) }

    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    subscript(metadataKey _: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        guard event.message.description == "Backend message received",
            event.metadata?.values.contains(where: { "\($0)".hasPrefix(".commandComplete") }) == true
        else { return }
        count.add(1, ordering: .relaxed)
    }
}

extension PostgresHarness {
    /// Runs `body` with a migrated store on a fresh schema whose statements `counter` counts:
    /// one pooled connection, so every statement of a call is on the connection counted. What
    /// the tests of "a fixed number of statements per batch" start from.
    func withCountedStore(_ body: (_ store: PostgresStore, _ counter: StatementCounter) async throws -> Void) async throws {
        let counter = StatementCounter()
        var logger = Logger(label: "switchboard.postgres.tests.statements") { _ in counter }
        logger.logLevel = .trace
        let store = try makeUnmigratedStore(schema: try await makeSchema(), poolSize: 1, logger: logger)
        try await store.migrate()
        try await body(store, counter)
    }
}
