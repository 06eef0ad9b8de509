import Foundation
import Logging
import Synchronization

@testable import SwitchboardPostgres

/// Counts the statements the server completed on a store's connections (its CommandComplete
/// replies, which postgres-nio logs at trace level as it receives them), all of them or only
/// those of one command: the tests of "a fixed number of statements per batch" count every
/// statement, those of "one transaction for many accepts" count the `BEGIN`s.
final class StatementCounter: LogHandler, Sendable {
    /// Which completed statements count.
    enum Match: Sendable {
        /// Every statement.
        case anyStatement
        /// Only the statements whose command tag is exactly this (`BEGIN`: the transactions begun).
        case command(String)
    }

    private let match: Match
    private let completed = Atomic<Int>(0)

    init(counting match: Match = .anyStatement) {
        self.match = match
    }

    var count: Int { completed.load(ordering: .acquiring) }
    func reset() { completed.store(0, ordering: .releasing) }

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
            event.metadata?.values.contains(where: { matches("\($0)") }) == true
        else { return }
        completed.add(1, ordering: .relaxed)
    }

    /// Whether a received message, as postgres-nio writes it (`.commandComplete("INSERT 0 1")`), counts.
    private func matches(_ message: String) -> Bool {
        switch match {
        case .anyStatement: message.hasPrefix(".commandComplete")
        case .command(let tag): message == #".commandComplete("\#(tag)")"#
        }
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
