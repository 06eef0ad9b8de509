import Foundation
import Logging

/// Leads conversations: the first handler of the inbound pipeline (the seed's base handler).
///
/// A message from a party with an ongoing conversation goes to it: its next step runs, the
/// message and the replies are appended to the transcript, and the step's changes, replies and effects commit in one
/// `ConversationStore.commitTurn` together with the message's routing. Commands work at any
/// time; with neither, a message whose first word is a responder's keyword starts that
/// responder, and anything else passes on to the other handlers.
///
/// One party's messages are handled one at a time in arrival order (`ConnectionLocks`); a
/// turn another process or the sweeper committed first is met by the store's revision check
/// and done again from the new state. A turn that cannot commit leaves its message unrouted
/// (`RoutingDeferred`), so the next start routes it again: exactly once either way.
package final class ConversationEngine: MessageHandler, @unchecked Sendable {
    /// Makes the outbox submission of a reply or a send (the hub's `prepare`).
    package typealias Prepare =
        @Sendable (
            _ request: SendRequest, _ sender: String, _ idempotencyKey: String?, _ replyVia: String?
        ) async throws -> Submission
    /// Who the party is in the directory: a linked user and a contact, when known.
    package typealias Identify = @Sendable (Address) async throws -> (username: String?, contactID: String?)
    /// Posts a row to a topic after its turn committed; the row id makes a repeat a no-op.
    package typealias TopicPoster = @Sendable (_ topic: String, _ rowID: String, _ values: [String: JSONValue]) async throws -> Void

    package let name = "conversations"
    let store: any ConversationStore
    package let responders: ResponderRegistry
    let settings: ConversationSettings
    let prepare: Prepare
    let accepted: @Sendable ([Acceptance]) -> Void
    let identify: Identify
    /// The engine's clock: idle deadlines and transcript times. Tests pass a controlled one.
    package let now: @Sendable () -> Date
    let logger: Logger
    let locks = ConnectionLocks()
    let metrics = ConversationMetrics()
    /// Rung when a deadline may have come nearer (a sign-out), so the sweeper looks again.
    let deadlineBell = Doorbell()
    private let posterLock = NSLock()
    private var _topicPoster: TopicPoster?
    private var _replyDispatch: (any TurnReplyDispatch)?

    /// How often a turn is done again after another commit came first.
    static let maxAttempts = 8
    static let retryableConflicts: Set<String> = ["conversation_changed", "conversation_ongoing"]

    package init(
        store: any ConversationStore,
        responders: [any Responder],
        settings: ConversationSettings,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() },
        prepare: @escaping Prepare,
        accepted: @escaping @Sendable ([Acceptance]) -> Void,
        replyDispatch: (any TurnReplyDispatch)? = nil,
        identify: @escaping Identify = { _ in (nil, nil) }
    ) {
        self.store = store
        self.responders = ResponderRegistry(responders)
        self.settings = settings
        self.logger = logger
        self.now = now
        self.prepare = prepare
        self.accepted = accepted
        self.identify = identify
        self._replyDispatch = replyDispatch
    }

    /// Set by the server when it builds its topics; until then a step's `.topicRow` effect is
    /// logged and skipped.
    package var topicPoster: TopicPoster? {
        get { posterLock.withLock { _topicPoster } }
        set { posterLock.withLock { _topicPoster = newValue } }
    }

    /// Where a turn's replies are claimed with the turn and sent from (the hub's dispatcher);
    /// `nil`: they are queued for the dispatcher's claim. Tests put in one that loses them.
    package var replyDispatch: (any TurnReplyDispatch)? {
        get { posterLock.withLock { _replyDispatch } }
        set { posterLock.withLock { _replyDispatch = newValue } }
    }

    package func handle(_ context: InboundContext) async throws -> HandlerResult {
        let origin = context.origin
        guard !origin.connector.isEmpty else { return .pass }
        let party = Party(connector: origin.connector, address: origin.from, message: context.message)
        return try await locks.withLock(party.key) { try await self.handleInOrder(party, context) }
    }

    /// One message, its connection's lock held: plan the turn, commit it, do it again on a
    /// conflict. A committed turn cleared the message's unrouted mark in its own transaction,
    /// which `context` is told, so the router writes nothing more for it.
    func handleInOrder(_ party: Party, _ context: InboundContext) async throws -> HandlerResult {
        var attempt = 0
        while true {
            attempt += 1
            do {
                // Routed again after its turn committed (the mark is cleared with the turn,
                // so only a caller that routes by hand gets here): nothing to do twice.
                let start = try await store.turnStart(inboundMessageID: party.message.id, connector: party.connector, address: party.address)
                if start.answered { return .handled }
                guard let draft = try await plan(party, ongoing: start.ongoing) else { return .pass }
                try await commit(draft)
                if draft.routedMessageID == party.message.id { context.routingCommitted = true }
                return .handled
            } catch let error as SwitchboardError
                where error.kind == .conflict && Self.retryableConflicts.contains(error.code) && attempt < Self.maxAttempts
            {
                logger.debug("conversation changed under a turn; doing it again", metadata: party.metadata)
                continue
            } catch let error as RoutingDeferred {
                throw error
            } catch {
                throw RoutingDeferred(handler: name, underlying: error)
            }
        }
    }

    /// What a message means: a command, the next answer in a conversation, a keyword that
    /// starts one, or nothing for this engine (`nil`).
    func plan(_ party: Party, ongoing: Conversation?) async throws -> TurnDraft? {
        let text = party.message.text
        if ongoing != nil || !responders.isEmpty,
            let command = ConversationCommand.parse(text, prefix: settings.commandPrefix(for: party.connector))
        {
            return try await run(command, party, ongoing: ongoing)
        }
        if let ongoing { return try await answer(ongoing, party) }
        if let responder = responders.responder(startedBy: text) { return try await start(responder, party, replacing: nil) }
        return nil
    }

    /// Commits a turn, its replies claimed for the dispatcher when it takes them (one claim and
    /// one flush less per turn), then hands them over (or wakes the dispatcher for what was
    /// queued) and posts topic rows.
    func commit(_ draft: TurnDraft) async throws {
        var turn = draft.turn
        let dispatch = replyDispatch
        let claim = draft.replies.isEmpty ? nil : dispatch?.claimForTurn(draft.replies.flatMap(\.deliveries))
        turn.replyClaim = claim
        let acceptances: [Acceptance]
        do {
            acceptances = try await store.commitTurn(turn)
        } catch {
            if let claim { dispatch?.release(claim) }
            throw error
        }
        accepted(acceptances)
        if let claim { await dispatch?.handOff(acceptances, claimed: claim) }
        metrics.turns.increment()
        for post in draft.topicPosts { await postTopicRow(post) }
    }

    func postTopicRow(_ post: TurnDraft.TopicPost) async {
        guard let poster = topicPoster else {
            logger.warning(
                "a conversation step posts to a topic, but no topic poster is set; skipped",
                metadata: ["topic": "\(post.topic)", "row": "\(post.rowID)"]
            )
            return
        }
        do {
            try await poster(post.topic, post.rowID, post.values)
        } catch {
            logger.error("posting a conversation's topic row failed", metadata: ["topic": "\(post.topic)", "error": "\(error)"])
        }
    }

    /// The idle deadline of a conversation led by `responder` that was active at `date`.
    func idleDeadline(_ responder: (any Responder)?, from date: Date) -> Date {
        let seconds = responder?.idleTimeout.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
        return date.addingTimeInterval(seconds ?? settings.idleTimeout)
    }
}

/// The party a message came from, with the message.
struct Party: Sendable {
    var connector: String
    var address: Address
    var message: Message
    var key: PartyKey { PartyKey(connector: connector, address: address) }
    var metadata: Logger.Metadata { ["connector": "\(connector)", "message": "\(message.id)"] }
}

/// A handler could not finish with a message for now (its turn did not commit): the router
/// leaves it unrouted, as a crash would, so the next start routes it again.
package struct RoutingDeferred: Error, CustomStringConvertible {
    package var handler: String
    package var underlying: any Error
    package var description: String { "\(handler) deferred the message: \(underlying)" }
}
