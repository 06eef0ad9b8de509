import Foundation
import SwitchboardTesting
import Synchronization
import Testing

@testable import SwitchboardCore

/// A conversation store whose `commitTurn` fails the next `failures` times, as a crash
/// between the inbound commit and the turn would leave things.
final class FailingTurnStore: ConversationStore {
    let base: MemoryStore
    let failures: Mutex<Int>
    init(_ base: MemoryStore, failures: Int) {
        self.base = base
        self.failures = Mutex(failures)
    }
    struct Crash: Error {}

    func commitTurn(_ turn: ConversationTurn) async throws -> [Acceptance] {
        let fail = failures.withLock { n in
            defer { n = max(0, n - 1) }
            return n > 0
        }
        if fail { throw Crash() }
        return try await base.commitTurn(turn)
    }
    func ongoingConversation(connector: String, address: Address) async throws -> Conversation? {
        try await base.ongoingConversation(connector: connector, address: address)
    }
    func conversation(id: String) async throws -> Conversation? { try await base.conversation(id: id) }
    func conversations(_ query: ConversationQuery) async throws -> ConversationPage { try await base.conversations(query) }
    func transcript(conversationID: String, after seq: Int, limit: Int) async throws -> [ConversationEntry] {
        try await base.transcript(conversationID: conversationID, after: seq, limit: limit)
    }
    func transcriptHolds(inboundMessageID: String) async throws -> Bool { try await base.transcriptHolds(inboundMessageID: inboundMessageID) }
    func dueConversationDeadlines(now: Date, limit: Int) async throws -> [ConversationDeadline] {
        try await base.dueConversationDeadlines(now: now, limit: limit)
    }
    func nextConversationDeadline() async throws -> Date? { try await base.nextConversationDeadline() }
    func setSignOutDeadline(_ deadline: SignOutDeadline) async throws { try await base.setSignOutDeadline(deadline) }
    func clearSignOutDeadline(connector: String, address: Address) async throws -> Bool {
        try await base.clearSignOutDeadline(connector: connector, address: address)
    }
    func purgeConversations(finishedBefore before: Date, limit: Int) async throws -> Int {
        try await base.purgeConversations(finishedBefore: before, limit: limit)
    }
    func ongoingConversationCounts() async throws -> [String: Int] { try await base.ongoingConversationCounts() }
}

@Suite("Conversations: a turn that did not commit is taken again, exactly once")
struct ConversationRecoveryTests {
    static let kari = Address.sms("+4712345678")

    @Test func aStartWhoseTurnDidNotCommitStaysUnroutedAndIsTakenAtTheNextStart() async throws {
        let store = MemoryStore()
        let hub = makeConversationHub(store: store, conversationStore: FailingTurnStore(store, failures: 1))
        let result = try await hub.receive(InboundMessage(connector: "tester", from: Self.kari, text: "report"))
        await hub.dispatcher.drain()
        let bucket = try #require(hub.bucket(named: "tester"))
        // Nothing of the turn happened, and the message is neither lost to the inbox nor routed.
        #expect(bucket.sent().isEmpty)
        #expect(try await hub.conversations(of: Self.kari).isEmpty)
        #expect(try await store.unroutedInbound(limit: 10).map(\.id) == [result.messageID])
        #expect(try await store.inbox(InboxQuery(viewer: "admin", scope: .all)).items.isEmpty)

        // The next start (a new hub on the same store) routes it: once.
        let restarted = makeConversationHub(store: store)
        #expect(try await restarted.router.routeUnrouted() == 1)
        #expect(try await restarted.router.routeUnrouted() == 0)
        await restarted.dispatcher.drain()
        #expect(try #require(restarted.bucket(named: "tester")).sent(to: Self.kari).map(\.text) == ["What happened?"])
        let conversation = try #require(try await restarted.conversations(of: Self.kari).first)
        #expect(try await restarted.transcript(of: conversation).map(\.text) == ["report", "What happened?"])
    }

    @Test func anAnswerWhoseTurnDidNotCommitIsAnsweredOnceAfterwards() async throws {
        let store = MemoryStore()
        let failing = FailingTurnStore(store, failures: 0)
        let hub = makeConversationHub(store: store, conversationStore: failing)
        try await ConversationScript(hub: hub).run("+4712345678 > report\n< What happened?")
        failing.failures.withLock { $0 = 1 }
        _ = try await hub.receive(InboundMessage(connector: "tester", from: Self.kari, text: "Flood"))
        #expect(try await hub.steps(of: try #require(try await hub.conversations(of: Self.kari).first)) == ["new"])

        #expect(try await hub.router.routeUnrouted() == 1)
        await hub.dispatcher.drain()
        let conversation = try #require(try await hub.conversations(of: Self.kari).first)
        #expect(try await hub.steps(of: conversation) == ["new", "what"])
        #expect(conversation.data == ["what": .string("Flood")])
        let bucket = try #require(hub.bucket(named: "tester"))
        #expect(bucket.sent(to: Self.kari).map(\.text) == ["What happened?", "Where?"])
    }

    /// The turn's own transaction clears the unrouted mark: the router writes nothing more
    /// for the message (no `finishRouting`), and a restart does not take it again.
    @Test func aCommittedTurnIsTheMessagesLastWriteAndIsNotTakenAgainAtTheNextStart() async throws {
        let store = MemoryStore()
        let hub = makeConversationHub(store: store)
        try await ConversationScript(hub: hub).run("+4712345678 > report\n< What happened?")
        let answered = try await hub.receive(InboundMessage(connector: "tester", from: Self.kari, text: "Flood"))
        #expect(store.finishRoutingCalls == 0)
        #expect(try await store.unroutedInbound(limit: 10).isEmpty)

        // Routed again by hand after its turn committed: no turn this time, so the router
        // finishes it itself, as before.
        let flood = try #require(try await store.message(id: answered.messageID)).message
        _ = try await hub.router.process(flood)
        #expect(store.finishRoutingCalls == 1)

        let restarted = makeConversationHub(store: store)
        #expect(try await restarted.router.routeUnrouted() == 0)
        let conversation = try #require(try await restarted.conversations(of: Self.kari).first)
        #expect(try await restarted.steps(of: conversation) == ["new", "what"])
    }

    /// Routing a message again after its turn committed (by hand; recovery never does, since
    /// the turn clears the mark) changes nothing and sends nothing.
    @Test func aMessageWhoseTurnCommittedIsNotTakenTwice() async throws {
        let hub = makeConversationHub()
        _ = try await hub.receive(InboundMessage(connector: "tester", from: Self.kari, text: "report"))
        let answer = Message(
            direction: .inbound,
            text: "Flood",
            sender: Self.kari.description,
            origin: Origin(connector: "tester", from: Self.kari)
        )
        try await hub.store.recordInbound(answer)
        _ = try await hub.router.process(answer)
        let once = try #require(try await hub.conversations(of: Self.kari).first)
        _ = try await hub.router.process(answer)
        #expect(try await hub.conversations(of: Self.kari).first == once)
        #expect(try await hub.store.pending(address: Self.kari).count == 2)
    }
}
