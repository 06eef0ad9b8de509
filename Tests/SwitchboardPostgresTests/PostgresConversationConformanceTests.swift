import SwitchboardCore
import SwitchboardTesting
import Testing

@testable import SwitchboardPostgres

/// Conversations against a real PostgreSQL: every check of `ConversationStoreConformance`
/// (turns all or none, revision checks, one ongoing conversation per connection, deadlines
/// that fire once), one test per check; every store is a fresh schema.
@Suite("PostgresStore conformance: conversations", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresConversationConformanceTests {
    @Test(arguments: ConversationStoreConformance.Check.allCases)
    func check(_ check: ConversationStoreConformance.Check) async throws {
        try await PostgresTestDatabase.withHarness { harness in
            try await ConversationStoreConformance { try await harness.makeStore() }.run(check)
        }
    }

    /// Two nodes run turns on one conversation at once, each from the revision it read: one
    /// commits, the other is told the conversation changed, and the stored one is the winner's.
    @Test func turnsOnTwoNodesAtOnceCommitOnce() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let schema = try await harness.makeSchema()
            let a = try harness.makeUnmigratedStore(schema: schema)
            let b = try harness.makeUnmigratedStore(schema: schema)
            try await a.migrate()
            let started = Conversation(
                connector: "kannel",
                address: .sms("+4712345678"),
                responder: "report",
                status: .ongoing,
                startedAt: .now,
                nextStep: "what"
            )
            _ = try await a.commitTurn(ConversationTurn(writes: [ConversationWrite(conversation: started, expectedRevision: nil)]))
            let read = try #require(try await b.conversation(id: started.id))
            let outcomes = await withTaskGroup(of: String.self) { group in
                for (n, node) in [a, b, a, b].enumerated() {
                    group.addTask {
                        var next = read
                        next.nextStep = "step \(n)"
                        do {
                            _ = try await node.commitTurn(
                                ConversationTurn(writes: [ConversationWrite(conversation: next, expectedRevision: read.revision)])
                            )
                            return "step \(n)"
                        } catch let error as SwitchboardError where error.code == "conversation_changed" {
                            return "changed"
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == "changed" }.count == 3, "\(outcomes)")
            let winner = try #require(outcomes.first { $0 != "changed" })
            let stored = try #require(try await a.conversation(id: started.id))
            #expect(stored.nextStep == winner && stored.revision == read.revision + 1)
        }
    }
}
