import Foundation
import SwitchboardCore

/// The behaviour every `ConversationStore` must show, run against each store (in-memory,
/// SQLite, and a PostgreSQL store to come) so that a turn means the same everywhere: all or
/// none, refused when computed from an old state, never two ongoing conversations on one
/// connection, deadlines that fire once.
///
/// Like `StoreConformance`, a check throws `ConformanceFailure` on the first wrong answer,
/// asks `makeStore` for a fresh, empty store, and compares dates at millisecond precision.
/// The store must also be a `HubStore`: a turn's replies, form and routed message are read
/// back through the outbox, form and inbox protocols.
package struct ConversationStoreConformance: Sendable {
    /// One check of the suite, so a runner can list, parameterise or pick them.
    package enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        case conversationRoundTrip, aTurnCommitsEverything, revisionsAreChecked, concurrentTurnsCommitOnce
        case oneOngoingPerConnection, concurrentStartsOnOneConnectionCommitOnce
        case aRefusedReplyCommitsNothing, aRefusedWriteOrFormCommitsNothing, repliesAreIdempotent
        case deadlinesAreDueEarliestFirst, signOutDeadlinesAreSetReplacedAndCleared, aFiredSignOutIsConsumedOnce
        case purgeTakesOnlyOldFinishedOnes, ongoingCountsByResponder
        case queryFilters, pagingHasNoGapsOrDuplicates, badCursorsAreRefused
        case transcriptAppendsInOrder, transcriptHoldsAnsweredMessages
        case aTurnCommitsItsRepliesClaimed

        package var description: String { rawValue }
    }

    let makeStore: @Sendable () async throws -> any HubStore & ConversationStore

    /// `makeStore` must return a new, empty store on every call.
    package init(makeStore: @escaping @Sendable () async throws -> any HubStore & ConversationStore) {
        self.makeStore = makeStore
    }

    /// Runs one check.
    package func run(_ check: Check) async throws {
        switch check {
        case .conversationRoundTrip: try await conversationRoundTrip()
        case .aTurnCommitsEverything: try await aTurnCommitsEverything()
        case .revisionsAreChecked: try await revisionsAreChecked()
        case .concurrentTurnsCommitOnce: try await concurrentTurnsCommitOnce()
        case .oneOngoingPerConnection: try await oneOngoingPerConnection()
        case .concurrentStartsOnOneConnectionCommitOnce: try await concurrentStartsOnOneConnectionCommitOnce()
        case .aRefusedReplyCommitsNothing: try await aRefusedReplyCommitsNothing()
        case .aRefusedWriteOrFormCommitsNothing: try await aRefusedWriteOrFormCommitsNothing()
        case .repliesAreIdempotent: try await repliesAreIdempotent()
        case .deadlinesAreDueEarliestFirst: try await deadlinesAreDueEarliestFirst()
        case .signOutDeadlinesAreSetReplacedAndCleared: try await signOutDeadlinesAreSetReplacedAndCleared()
        case .aFiredSignOutIsConsumedOnce: try await aFiredSignOutIsConsumedOnce()
        case .purgeTakesOnlyOldFinishedOnes: try await purgeTakesOnlyOldFinishedOnes()
        case .ongoingCountsByResponder: try await ongoingCountsByResponder()
        case .queryFilters: try await queryFilters()
        case .pagingHasNoGapsOrDuplicates: try await pagingHasNoGapsOrDuplicates()
        case .badCursorsAreRefused: try await badCursorsAreRefused()
        case .transcriptAppendsInOrder: try await transcriptAppendsInOrder()
        case .transcriptHoldsAnsweredMessages: try await transcriptHoldsAnsweredMessages()
        case .aTurnCommitsItsRepliesClaimed: try await aTurnCommitsItsRepliesClaimed()
        }
    }

    /// Runs every check in order and stops at the first failure.
    package func runAll() async throws {
        for check in Check.allCases { try await run(check) }
    }
}

extension ConversationStoreConformance: ConformanceAssertions {}

// MARK: - Fixtures

/// Conversations and replies the checks build on.
enum ConversationFixture {
    static let connector = "kannel"
    static let party: Address = .sms("+4712345678")

    static func conversation(
        responder: String = "report",
        connector: String = connector,
        address: Address = party,
        username: String? = nil,
        status: ConversationStatus = .ongoing,
        startedAt: Date = StoreFixture.t0,
        expiresAt: Date? = nil
    ) -> Conversation {
        Conversation(
            connector: connector,
            address: address,
            username: username,
            responder: responder,
            status: status,
            startedAt: startedAt,
            stepCount: 1,
            nextStep: status == .ongoing ? "what" : nil,
            expiresAt: expiresAt
        )
    }

    /// A reply pinned to `connector`, as the engine queues it.
    static func reply(_ text: String, to address: Address = party, connector: String = connector, key: String? = nil) -> Submission {
        let message = Message(direction: .outbound, text: text, sender: "connector:\(connector)", createdAt: StoreFixture.t0)
        let delivery = Delivery(
            messageID: message.id,
            address: address,
            channel: .sms,
            nextAttemptAt: StoreFixture.t0,
            pinnedConnector: connector,
            createdAt: StoreFixture.t0
        )
        let idempotency = key.map { IdempotencyKey(scope: "connector:\(connector)", key: $0, fingerprint: text) }
        return Submission(message: message, deliveries: [delivery], idempotency: idempotency)
    }

    /// Stores `conversation` with the message that started it as its transcript.
    static func insert(_ conversation: Conversation) -> ConversationTurn {
        let first = ConversationEntry(direction: .inbound, text: conversation.responder, at: conversation.startedAt, step: "start")
        return ConversationTurn(writes: [ConversationWrite(conversation: conversation, expectedRevision: nil, appending: [first])])
    }

    static func update(_ conversation: Conversation) -> ConversationTurn {
        ConversationTurn(writes: [ConversationWrite(conversation: conversation, expectedRevision: conversation.revision)])
    }
}

extension Conversation {
    /// Dates on their millisecond, as the checks compare them.
    var ms: Conversation {
        var c = self
        c.startedAt = startedAt.ms
        c.updatedAt = updatedAt.ms
        c.expiresAt = expiresAt?.ms
        return c
    }

    /// As the store keeps it after one more write.
    var stored: Conversation {
        var c = self
        c.revision += 1
        return c.ms
    }
}

extension ConversationEntry {
    /// The date on its millisecond, and the place the store gives it.
    func ms(seq: Int) -> ConversationEntry {
        var e = self
        e.at = at.ms
        e.seq = seq
        return e
    }
}

extension SignOutDeadline {
    var ms: SignOutDeadline { SignOutDeadline(connector: connector, address: address, dueAt: dueAt.ms) }
}

extension ConversationDeadline {
    var ms: ConversationDeadline {
        switch self {
        case .idle(let c): .idle(c.ms)
        case .signOut(let d): .signOut(d.ms)
        }
    }
}
