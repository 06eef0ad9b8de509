import Foundation

/// Conversations and their deadlines. A turn — the conversations it changes, the replies it
/// queues in the outbox, the form it stores, the inbound message it finishes routing and the
/// deadlines it sets or clears — commits in one transaction (`commitTurn`), so a crash leaves
/// either the whole turn or none of it, and an inbound message whose turn did not commit is
/// still *unrouted* and is taken again at the next start.
package protocol ConversationStore: Sendable {
    /// The ongoing conversation of a connection, if any (at most one exists).
    func ongoingConversation(connector: String, address: Address) async throws -> Conversation?
    func conversation(id: String) async throws -> Conversation?
    /// Most recently started first (equal starts: the one stored last first), with the
    /// filters of `query`; `nextCursor` (a `ConversationCursor`) is set when more remain.
    func conversations(_ query: ConversationQuery) async throws -> ConversationPage
    /// A conversation's transcript in order: the entries after `seq` (0: from the start), at
    /// most `limit`, each with its `seq`. Empty for an unknown conversation.
    func transcript(conversationID: String, after seq: Int, limit: Int) async throws -> [ConversationEntry]
    /// Whether a message from a party is in some conversation's transcript already: its turn
    /// committed, so routing it again must not answer it twice. An indexed look-up.
    func transcriptHolds(inboundMessageID: String) async throws -> Bool
    /// What a party's message starts its turn from, in one read: whether its turn committed
    /// already (`transcriptHolds`) and the connection's ongoing conversation.
    func turnStart(inboundMessageID: String, connector: String, address: Address) async throws -> TurnStart
    /// Commits a turn in one transaction; see `ConversationTurn`. Returns one acceptance per
    /// reply, in order (a reply whose idempotency key is known replays, as `accept` does); the
    /// deliveries of `replyClaim` come back `sending`, stored under its lease.
    ///
    /// Refused, with nothing committed:
    /// - `conflict/conversation_changed`: a write's `expectedRevision` is not the stored one,
    ///   or the conversation is no longer stored (another turn committed first, or it was
    ///   purged; read again and redo the turn);
    /// - `conflict/conversation_exists`: an insert whose id is taken;
    /// - `conflict/conversation_ongoing`: the result would leave two ongoing conversations on
    ///   one connection (writes apply in order: end the old one before starting the new one);
    /// - `conflict/sign_out_changed`: `clearsSignOut` is not the stored deadline (the party came
    ///   back, or signed out again, since it was read), so a sign-out fires at most once;
    /// - any error `accept` or `recordSubmission` would give for a reply or the form.
    func commitTurn(_ turn: ConversationTurn) async throws -> [Acceptance]
    /// Deadlines due at `now`: ongoing conversations past `expiresAt` and sign-out deadlines
    /// past `dueAt`, earliest first, at most `limit`.
    func dueConversationDeadlines(now: Date, limit: Int) async throws -> [ConversationDeadline]
    /// The earliest deadline of either kind, so the sweeper can sleep until then.
    func nextConversationDeadline() async throws -> Date?
    /// Sets (replacing any) the sign-out deadline of a connection.
    func setSignOutDeadline(_ deadline: SignOutDeadline) async throws
    /// Clears a connection's sign-out deadline (the party is back); `false` if there was none.
    @discardableResult
    func clearSignOutDeadline(connector: String, address: Address) async throws -> Bool
    /// Deletes finished conversations last updated before `before`, at most `limit`; returns
    /// how many went.
    func purgeConversations(finishedBefore before: Date, limit: Int) async throws -> Int
    /// How many conversations are ongoing, by responder (for metrics).
    func ongoingConversationCounts() async throws -> [String: Int]
}

/// Everything one turn changes, committed together by `ConversationStore.commitTurn`.
package struct ConversationTurn: Sendable {
    /// Conversations to insert (`expectedRevision == nil`) or update (only if the stored
    /// revision is `expectedRevision`). Each is stored with its revision bumped by one.
    package var writes: [ConversationWrite]
    /// Messages to accept into the outbox (replies, summaries, notices, completion sends).
    package var replies: [Submission]
    /// A form submission the turn stores (a responder that completes into a form).
    package var form: FormSubmission?
    /// The inbound message this turn answers: its unrouted mark is cleared in the same
    /// transaction, so a message whose turn committed is never taken again.
    package var routedMessageID: String?
    /// The sign-out deadline this turn consumes (fired), deleted in the same transaction so it
    /// fires once; the turn is refused if it is no longer stored exactly so.
    package var clearsSignOut: SignOutDeadline?
    /// Replies' deliveries committed already claimed by this node's dispatcher (`sending`
    /// until the claim's lease), which sends them without a claim of its own; every other
    /// delivery is queued.
    package var replyClaim: ReplyClaim?

    package init(
        writes: [ConversationWrite] = [],
        replies: [Submission] = [],
        form: FormSubmission? = nil,
        routedMessageID: String? = nil,
        clearsSignOut: SignOutDeadline? = nil,
        replyClaim: ReplyClaim? = nil
    ) {
        self.writes = writes
        self.replies = replies
        self.form = form
        self.routedMessageID = routedMessageID
        self.clearsSignOut = clearsSignOut
        self.replyClaim = replyClaim
    }
}

/// One conversation written by a turn.
package struct ConversationWrite: Sendable, Equatable {
    package var conversation: Conversation
    /// `nil`: a new conversation. Otherwise the revision the turn read.
    package var expectedRevision: Int?
    /// What the turn adds to the transcript, in order, after what is stored (their `seq` is
    /// given by the store). Nothing stored is rewritten.
    package var appending: [ConversationEntry]
    package init(conversation: Conversation, expectedRevision: Int?, appending: [ConversationEntry] = []) {
        self.conversation = conversation
        self.expectedRevision = expectedRevision
        self.appending = appending
    }
}

/// What a turn starts from (`ConversationStore.turnStart`).
package struct TurnStart: Sendable, Equatable {
    /// The message is in a transcript already: its turn committed.
    package var answered: Bool
    /// The connection's ongoing conversation, if any.
    package var ongoing: Conversation?
    package init(answered: Bool, ongoing: Conversation?) {
        self.answered = answered
        self.ongoing = ongoing
    }
}

extension ConversationStore {
    /// Two reads, for stores (and test wrappers) without a combined one.
    package func turnStart(inboundMessageID: String, connector: String, address: Address) async throws -> TurnStart {
        let answered = try await transcriptHolds(inboundMessageID: inboundMessageID)
        return TurnStart(answered: answered, ongoing: answered ? nil : try await ongoingConversation(connector: connector, address: address))
    }

    /// The whole transcript, read a page at a time (for `/replay`; never on a turn's path).
    package func wholeTranscript(conversationID: String) async throws -> [ConversationEntry] {
        var entries: [ConversationEntry] = []
        while true {
            let page = try await transcript(conversationID: conversationID, after: entries.last?.seq ?? 0, limit: 1_000)
            entries += page
            if page.count < 1_000 { return entries }
        }
    }
}
