import Foundation
import Logging
import Testing

@testable import SwitchboardCore

@Suite("Outcome recorder")
struct OutcomeRecorderTests {
    /// A store whose batch write fails when the task running it is cancelled, as GRDB's and
    /// postgres-nio's async writes do.
    final class CancellationSensitiveOutbox: OutboxStore {
        let base = MemoryStore()
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
        func finish(_ items: [DeliveryFinish]) async throws -> [Result<DeliveryStatus, SwitchboardError>] {
            try Task.checkCancellation()
            return try await base.finish(items)
        }
        func attempts(deliveryID: String) async throws -> [DeliveryAttempt] { try await base.attempts(deliveryID: deliveryID) }
        func nextDue() async throws -> Date? { try await base.nextDue() }
        func latestUserSender(to address: Address, since: Date) async throws -> String? {
            try await base.latestUserSender(to: address, since: since)
        }
    }

    /// A send the gateway took is recorded `sent` even when the dispatcher's task recording it
    /// was cancelled (shutdown past its grace): otherwise it stays `sending` and goes out again.
    @Test func anOutcomeHandedInByACancelledTaskIsStillCommitted() async throws {
        let store = CancellationSensitiveOutbox()
        let now = Date()
        let message = Message(direction: .outbound, text: "taken by the gateway", severity: .info, sender: "ops", createdAt: now)
        let delivery = Delivery(messageID: message.id, address: .sms("+4712345678"), channel: .sms, nextAttemptAt: now, createdAt: now)
        _ = try await store.accept(Submission(message: message, deliveries: [delivery]))
        #expect(try await store.claimDue(limit: 10, now: now, leaseUntil: now.addingTimeInterval(60)).count == 1)
        let recorder = OutcomeRecorder(store: store, logger: Logger(label: "test"))
        let sent = DeliveryFinish(deliveryID: delivery.id, outcome: .sent(connector: "gw", receiptID: "r1"), attempts: [])
        let cancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await recorder.record(sent)
        }
        guard case .recorded(.sent) = await cancelled.value else {
            Issue.record("the outcome of a cancelled caller was not committed")
            return
        }
        #expect(try await store.message(id: message.id)?.deliveries.first?.status == .sent)
    }
}
