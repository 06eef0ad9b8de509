import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardPostgres

/// A batch costs a fixed number of statements, whatever its size: the batch API exists so that
/// 1,000 messages are one flush and a few round trips, not a few per message.
@Suite("PostgresStore batch accept", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresBatchAcceptTests {
    @Test func aBatchTakesTheSameFewStatementsForTwoMessagesAsForFifty() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            try await harness.withCountedStore { store, counter in
                func batch(_ count: Int, key: String) -> [Submission] {
                    (0..<count).map { index in
                        let message = Message(
                            subject: "batch \(index)",
                            text: "message \(index)",
                            attachments: [Attachment(filename: "a.txt", contentType: "text/plain", data: Data("\(index)".utf8))],
                            severity: .info,
                            sender: "bench",
                            createdAt: Date()
                        )
                        let deliveries = (0..<2).map { n in
                            Delivery(
                                messageID: message.id,
                                address: .sms("+4790\(index)\(n)"),
                                channel: .sms,
                                nextAttemptAt: Date(),
                                createdAt: Date()
                            )
                        }
                        var submission = Submission(message: message, deliveries: deliveries, warnings: ["w\(index)"])
                        submission.idempotency = IdempotencyKey(scope: "bench", key: "\(key)#\(index)", fingerprint: "f\(index)")
                        return submission
                    }
                }

                let small = batch(2, key: "small")
                counter.reset()
                _ = try await store.accept(batch: small)
                let forTwo = counter.count

                let large = batch(50, key: "large")
                counter.reset()
                let accepted = try await store.accept(batch: large)
                let forFifty = counter.count

                // BEGIN, the key look-up, messages, attachments, deliveries, keys, the doorbell, COMMIT.
                #expect(forTwo == 8, "statements for a batch of 2")
                #expect(forFifty == forTwo, "a batch of 50 takes as many statements as a batch of 2")
                #expect(accepted.map(\.replayed) == Array(repeating: false, count: 50))
                let stored = try await store.rows("SELECT count(*) AS n FROM deliveries")
                #expect(try stored.first?["n"].decode(Int.self) == 104, "every delivery of both batches is stored")
            }
        }
    }
}
