import Foundation
import SwitchboardCore
import SwitchboardSQLite
import SwitchboardTesting
import Testing

/// The conversation suite against both kinds of SQLite store, one test per check, and shown
/// to fail a store with each kind of bug.
@Suite("SQLiteStore conformance: conversations")
struct ConversationConformanceTests {
    @Test(arguments: ConversationStoreConformance.Check.allCases, StoreKind.allCases)
    func check(_ check: ConversationStoreConformance.Check, _ kind: StoreKind) async throws {
        let scratch = try ScratchDirectory()
        let root = scratch.url
        let suite = ConversationStoreConformance {
            switch kind {
            case .memory: try SQLiteStore.inMemory()
            case .file: try SQLiteStore(directory: root.appendingPathComponent(UUID().uuidString, isDirectory: true).path)
            }
        }
        try await suite.run(check)
        _ = consume scratch
    }

    /// Each fault and a check that must catch it.
    static let caught: [(ConversationFault, ConversationStoreConformance.Check)] = [
        (.ignoreRevision, .revisionsAreChecked),
        (.repliesOutsideTheTurn, .aRefusedWriteOrFormCommitsNothing), (.repliesOutsideTheTurn, .aRefusedReplyCommitsNothing),
        (.keepUnrouted, .aTurnCommitsEverything), (.keepSignOut, .aFiredSignOutIsConsumedOnce),
        (.dueLatestFirst, .deadlinesAreDueEarliestFirst), (.purgeIgnoresAge, .purgeTakesOnlyOldFinishedOnes),
        (.ignoreCursor, .pagingHasNoGapsOrDuplicates), (.transcriptLatestFirst, .transcriptAppendsInOrder),
        (.transcriptLatestFirst, .conversationRoundTrip), (.forgetAnswered, .transcriptHoldsAnsweredMessages),
        (.forgetAnswered, .aTurnCommitsEverything), (.ignoreReplyClaim, .aTurnCommitsItsRepliesClaimed),
    ]

    @Test(arguments: caught.indices) func failsAStoreWithTheFault(_ index: Int) async throws {
        let (fault, check) = Self.caught[index]
        let suite = ConversationStoreConformance { MisbehavingStore(base: try SQLiteStore.inMemory(), fault: .conversation(fault)) }
        let failure = await #expect(throws: ConformanceFailure.self, "\(fault) caught by \(check)") { try await suite.run(check) }
        #expect(failure?.check == "\(check)()")
    }

    @Test func passesTheStoreItWraps() async throws {
        try await ConversationStoreConformance { MisbehavingStore(base: try SQLiteStore.inMemory(), fault: nil) }.runAll()
    }

    @Test func aConversationSurvivesReopeningTheFile() async throws {
        let scratch = try ScratchDirectory()
        let path = scratch.newStorePath()
        let store = try SQLiteStore(directory: path)
        let started = Date(timeIntervalSince1970: 1_767_225_600.5)
        let conversation = Conversation(
            connector: "kannel",
            address: .sms("+4712345678"),
            responder: "report",
            startedAt: started,
            stepCount: 1,
            nextStep: "what",
            data: ["what": .string("fire")],
            expiresAt: started.addingTimeInterval(600)
        )
        _ = try await store.commitTurn(ConversationTurn(writes: [ConversationWrite(conversation: conversation, expectedRevision: nil)]))
        let reopened = try SQLiteStore(directory: path)
        let read = try await reopened.ongoingConversation(connector: "kannel", address: .sms("+4712345678"))
        #expect(read?.data == ["what": .string("fire")])
        #expect(read?.revision == 1)
        #expect(try await reopened.nextConversationDeadline() == started.addingTimeInterval(600))
        _ = consume scratch
    }
}
