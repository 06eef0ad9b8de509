import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardPostgres

/// The dispatcher's outcomes cost a fixed number of statements per batch, whatever its size:
/// one statement per outcome and per attempt held the send path to a few hundred a second.
@Suite("PostgresStore batch of outcomes", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresFinishBatchTests {
    @Test func fiftyOutcomesTakeAsFewStatementsAsTwoAndARefusedOneLeavesTheOthers() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            try await harness.withCountedStore { store, counter in
                let now = Date()
                let submissions = (0..<52).map { index in
                    let message = Message(text: "message \(index)", severity: .info, createdAt: now)
                    let delivery = Delivery(messageID: message.id, address: .sms("+47900\(index)"), channel: .sms, nextAttemptAt: now, createdAt: now)
                    return Submission(message: message, deliveries: [delivery], warnings: [])
                }
                _ = try await store.accept(batch: submissions)
                let claimed = try await store.claimDue(limit: 100, now: now, leaseUntil: now.addingTimeInterval(60))
                #expect(claimed.count == 52)

                func sent(_ job: DeliveryJob) -> DeliveryFinish {
                    let id = job.delivery.id
                    let attempt = DeliveryAttempt(deliveryID: id, number: 1, at: now, connector: "gw", outcome: .sent, receiptID: "r-\(id)")
                    return DeliveryFinish(deliveryID: id, outcome: .sent(connector: "gw", receiptID: "r-\(id)"), attempts: [attempt])
                }

                counter.reset()
                let two = try await store.finish(claimed.prefix(2).map(sent))
                let forTwo = counter.count

                // One of the fifty is moved by hand meanwhile: its outcome is refused, the others are written.
                let taken = claimed[2].delivery.id
                _ = try await store.rows("UPDATE deliveries SET status = 'cancelled' WHERE id = \(taken)")
                var fifty = claimed.dropFirst(2).map(sent)
                fifty[49] = DeliveryFinish(
                    deliveryID: claimed[51].delivery.id,
                    outcome: .retry(at: now.addingTimeInterval(30), connector: "gw", error: "busy"),
                    attempts: [
                        DeliveryAttempt(deliveryID: claimed[51].delivery.id, number: 1, at: now, connector: "gw", outcome: .transient, error: "busy")
                    ]
                )
                counter.reset()
                let results = try await store.finish(fifty)
                let forFifty = counter.count

                // BEGIN, the UPDATE, the attempts' INSERT, COMMIT; a refusal adds one look-up.
                #expect(forTwo == 4, "statements for two outcomes")
                #expect(forFifty == forTwo + 1, "fifty outcomes, one refused, take one statement more than two")
                #expect(two.map { try? $0.get() } == [.sent, .sent])
                guard case .failure(let refused) = results[0] else {
                    Issue.record("the outcome of a cancelled delivery was written")
                    return
                }
                #expect(refused.code == "illegal_transition")
                #expect(results[1..<49].allSatisfy { (try? $0.get()) == .sent })
                #expect((try? results[49].get()) == .queued)

                let retried = try #require(try await store.message(id: claimed[51].delivery.messageID)?.deliveries.first)
                #expect(retried.status == .queued && retried.attempts == 1 && retried.lastError == "busy" && retried.connector == "gw")
                let delivered = try #require(try await store.message(id: claimed[3].delivery.messageID)?.deliveries.first)
                #expect(delivered.status == .sent && delivered.receiptID == "r-\(delivered.id)" && delivered.attempts == 1)
                let attempts = try await store.rows("SELECT count(*) AS n FROM delivery_attempts")
                #expect(try attempts.first?["n"].decode(Int.self) == 51, "the refused outcome's attempt is not written")
                #expect(try await store.attempts(deliveryID: taken).isEmpty)
            }
        }
    }
}
