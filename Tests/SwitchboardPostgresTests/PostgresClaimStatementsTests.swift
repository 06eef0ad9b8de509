import Foundation
import Logging
import SwitchboardCore
import Testing

@testable import SwitchboardPostgres

/// A claim costs a fixed number of statements whatever its size: the claimed messages come
/// back in the claim's own statement (each once, on the first of its deliveries), and the
/// attachments are read only when a claimed message has some.
@Suite("PostgresStore claim statements", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresClaimStatementsTests {
    @Test func aClaimIsFourStatementsWithItsMessagesAndAFifthOnlyForAttachments() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let counter = StatementCounter()
            var logger = Logger(label: "switchboard.postgres.tests.statements") { _ in counter }
            logger.logLevel = .trace
            let configuration = PostgresStore.Configuration(
                endpoint: harness.endpoint,
                poolSize: 1,
                tls: .disable,
                schema: try await harness.makeSchema()
            )
            let store = try PostgresStore(configuration: configuration, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.run() }
                try await store.migrate()

                let now = Date()
                // Twenty messages of one delivery each, and one to a group of three.
                var submissions = (0..<20).map { index in
                    let message = Message(text: "message \(index)", severity: .info, sender: "ops", createdAt: now)
                    let delivery = Delivery(messageID: message.id, address: .sms("+47900\(index)"), channel: .sms, nextAttemptAt: now, createdAt: now)
                    return Submission(message: message, deliveries: [delivery])
                }
                let group3 = Message(subject: "drill", text: "to the team", severity: .warning, sender: "ops", createdAt: now)
                submissions.append(
                    Submission(
                        message: group3,
                        deliveries: (0..<3).map {
                            Delivery(messageID: group3.id, address: .sms("+47800\($0)"), channel: .sms, nextAttemptAt: now, createdAt: now)
                        }
                    )
                )
                _ = try await store.accept(batch: submissions)
                counter.reset()
                let claimed = try await store.claimDue(limit: 100, now: now, leaseUntil: now.addingTimeInterval(60))
                #expect(counter.count == 4, "BEGIN, the plan, the claim with its messages, COMMIT")
                #expect(claimed.count == 23)
                let sent = Dictionary(uniqueKeysWithValues: submissions.map { ($0.message.id, OutboxRecords.stored($0.message)) })
                for job in claimed { #expect(job.message == sent[job.delivery.messageID], "each job carries its own message, whole") }
                #expect(claimed.filter { $0.message.id == group3.id }.count == 3, "a message to three goes with each of its deliveries")
                #expect(claimed.allSatisfy { $0.delivery.status == .sending })

                let photo = Attachment(filename: "rack.png", contentType: "image/png", data: Data((0...255).map { UInt8($0) }))
                let withFiles = Message(text: "see the photo", attachments: [photo, photo], severity: .critical, createdAt: now)
                let plain = Message(text: "no photo", severity: .info, createdAt: now)
                _ = try await store.accept(
                    batch: [withFiles, plain].map { message in
                        Submission(
                            message: message,
                            deliveries: [
                                Delivery(messageID: message.id, address: .sms("+4770000000"), channel: .sms, nextAttemptAt: now, createdAt: now)
                            ]
                        )
                    }
                )
                counter.reset()
                let second = try await store.claimDue(limit: 100, now: now, leaseUntil: now.addingTimeInterval(60))
                #expect(counter.count == 5, "one more statement, for the attachments")
                #expect(second.map(\.message).sorted { $0.text < $1.text } == [OutboxRecords.stored(plain), OutboxRecords.stored(withFiles)])
                #expect(second.first { $0.message.id == withFiles.id }?.message.attachments == [photo, photo])
                group.cancelAll()
            }
        }
    }
}
