import Foundation
import Logging
import PostgresNIO
import SwitchboardCore
import Testing

@testable import SwitchboardPostgres

/// A claim commits without waiting for the WAL flush, so a send does not wait for the disk
/// before it starts; the relaxed commit must stay inside the claim's own transaction, or the
/// next accept on that pooled connection would answer 202 before its message is on disk.
@Suite("PostgresStore claim commit", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresClaimCommitTests {
    @Test func aClaimCommitsWithoutWaitingForTheFlushAndTheConnectionsNextTransactionWaitsAgain() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let store = try harness.makeUnmigratedStore(schema: try await harness.makeSchema(), poolSize: 1)
            try await store.migrate()
            let logger = PostgresTestDatabase.logger
            let inside = try await store.transaction { connection in
                try await connection.execute(PostgresStore.claimPlan, logger: logger)
                return try await connection.rows("SHOW synchronous_commit", logger: logger).first?["synchronous_commit"].decode(String.self)
            }
            #expect(inside == "off", "the claim's transaction does not wait for the flush")

            let message = Message(text: "claimed", sender: "test")
            let delivery = Delivery(messageID: message.id, address: .sms("+4790000001"), channel: .sms, nextAttemptAt: Date())
            _ = try await store.accept(Submission(message: message, deliveries: [delivery]))
            let claimed = try await store.claimDue(limit: 10, now: Date().addingTimeInterval(1), leaseUntil: Date().addingTimeInterval(60))
            #expect(claimed.map(\.delivery.id) == [delivery.id])
            // One pooled connection: this is the connection the claim ran on.
            let after = try await store.rows("SHOW synchronous_commit").first?["synchronous_commit"].decode(String.self)
            #expect(after == "on", "the next transaction on the claim's connection waits for the flush again")
        }
    }
}
