import Foundation
import SwitchboardCore
import SwitchboardSQLite
import SwitchboardTesting
import Testing

/// The SQLite and memory stores trace a message to its key as the suite says; and the suite
/// fails a store that finds a key in another sender's scope.
@Suite("Idempotency key lookup")
struct IdempotencyKeyLookupTests {
    @Test(arguments: IdempotencyKeyLookupConformance.Check.allCases)
    func sqlite(_ check: IdempotencyKeyLookupConformance.Check) async throws {
        try await IdempotencyKeyLookupConformance { try SQLiteStore.inMemory() }.run(check)
    }

    @Test(arguments: IdempotencyKeyLookupConformance.Check.allCases)
    func memory(_ check: IdempotencyKeyLookupConformance.Check) async throws {
        try await IdempotencyKeyLookupConformance { MemoryStore() }.run(check)
    }

    @Test func failsAStoreThatIgnoresTheScope() async throws {
        let suite = IdempotencyKeyLookupConformance { ScopeBlindStore(base: MemoryStore()) }
        await #expect(throws: ConformanceFailure.self) { try await suite.run(.anotherScopeOrMessageFindsNothing) }
    }
}

/// Finds a message's key whoever asks: the reply to alice's inbox would be bob's to read.
private struct ScopeBlindStore: OutboxStore, IdempotencyKeyLookup {
    let base: MemoryStore
    func idempotencyKey(messageID: String, scope: String) async throws -> String? {
        try await base.idempotencyKey(messageID: messageID, scope: "connector:sms")
    }
    func accept(_ submission: Submission) async throws -> Acceptance { try await base.accept(submission) }
    func accept(batch: [Submission]) async throws -> [Acceptance] { try await base.accept(batch: batch) }
    func message(id: String) async throws -> MessageRecord? { try await base.message(id: id) }
    func claimDue(limit: Int, now: Date, leaseUntil: Date) async throws -> [DeliveryJob] {
        try await base.claimDue(limit: limit, now: now, leaseUntil: leaseUntil)
    }
    func extendLeases(ids: [String], until: Date) async throws { try await base.extendLeases(ids: ids, until: until) }
    func finish(deliveryID: String, outcome: DeliveryOutcome, attempts: [DeliveryAttempt]) async throws -> Delivery {
        try await base.finish(deliveryID: deliveryID, outcome: outcome, attempts: attempts)
    }
    func finish(_ items: [DeliveryFinish]) async throws -> [Result<DeliveryStatus, SwitchboardError>] { try await base.finish(items) }
    func attempts(deliveryID: String) async throws -> [DeliveryAttempt] { try await base.attempts(deliveryID: deliveryID) }
    func nextDue() async throws -> Date? { try await base.nextDue() }
    func latestUserSender(to address: Address, since: Date) async throws -> String? {
        try await base.latestUserSender(to: address, since: since)
    }
}
