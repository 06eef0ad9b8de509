import Foundation

extension MemoryStore {
    /// Everything the store holds: the tables of the SQLite store as dictionaries, with the
    /// row numbers that SQLite's `rowid` and `AUTOINCREMENT` columns give (insertion order
    /// breaks ties in listings exactly as there).
    struct State: Sendable {
        // Outbox
        var messages: [String: StoredMessage] = [:]
        var deliveries: [String: StoredDelivery] = [:]
        var attempts: [String: [DeliveryAttempt]] = [:]
        var idempotencyKeys: [IdempotencyScope: StoredIdempotencyKey] = [:]
        var statusChanges: [String: [StatusChange]] = [:]
        /// The next row number of a delivery (SQLite's `rowid`).
        var nextDeliveryRow: Int64 = 1

        // Inbound and inboxes
        var inboxItems: [Int64: StoredInboxItem] = [:]
        var inboxReads: Set<InboxRead> = []
        var nextInboxItemID: Int64 = 1
        /// Inbound messages recorded but not through the pipeline, in the order recorded.
        var unrouted: [String] = []
        /// How many times `finishRouting` was called (tests count the router's writes).
        var finishRoutingCalls = 0
        /// How many deliveries `claimDue` claimed (tests count claim rounds).
        var claimedByClaimRounds = 0
        var replayKeys: [ReplayScope: StoredReplayKey] = [:]

        // Forms
        var formsBySeq: [Int64: FormSubmission] = [:]
        var formSeqByID: [String: Int64] = [:]
        var formSeqByMessage: [String: Int64] = [:]
        var nextFormSeq: Int64 = 1

        // Directory and credentials
        var users: [String: UserAccount] = [:]
        var contacts: [String: Contact] = [:]
        var groups: [String: ContactGroup] = [:]
        /// Group name → contact ids.
        var members: [String: Set<String>] = [:]
        var sessions: [String: StoredSession] = [:]
        /// By id.
        var tokens: [String: APIToken] = [:]
        /// Token hash → token id (the hash is unique, and looked up on every request).
        var tokenIDByHash: [String: String] = [:]

        // Topics
        /// By table name, lowercased: SQLite's table names ignore case.
        var topicTables: [String: TopicTable] = [:]
        var topicAlerts: [Int64: TopicPendingAlert] = [:]
        var nextTopicAlertID: Int64 = 1

        // Conversations
        var conversations: [String: StoredConversation] = [:]
        /// Connection → the id of its ongoing conversation (SQLite's partial unique index).
        var ongoingConversations: [ConnectionKey: String] = [:]
        var signOutDeadlines: [ConnectionKey: SignOutDeadline] = [:]
        /// The next row number of a conversation (SQLite's `seq`).
        var nextConversationSeq: Int64 = 1
        /// Inbound message id → the conversation whose transcript has it (SQLite's
        /// `conversation_messages_inbound` index).
        var answeredInbound: [String: String] = [:]

        // Sent references (status reports matched to deliveries), in the order recorded.
        var sentParts: [StoredSentPart] = []
        var nextSentPartSeq: Int64 = 1
    }

    /// A sent part with its final outcome, once a report gave one, and its row number.
    struct StoredSentPart: Sendable {
        var part: SentPart
        var outcome: SentPart.Outcome?
        var seq: Int64
    }

    /// A conversation with its row number, which breaks ties of `startedAt` in listings, and
    /// its transcript (SQLite's `conversation_messages`).
    struct StoredConversation: Sendable {
        var conversation: Conversation
        var seq: Int64
        var transcript: [ConversationEntry] = []
    }

    /// A connection (connector + address, the address as its text form, as the SQLite store
    /// keeps it).
    struct ConnectionKey: Hashable, Sendable {
        var connector: String
        var address: String

        init(connector: String, address: Address) {
            self.connector = connector
            self.address = address.description
        }
    }

    /// A message as accepted, with its warnings and its deliveries in their order.
    struct StoredMessage: Sendable {
        var message: Message
        var warnings: [String]
        var deliveryIDs: [String]
    }

    /// A delivery with what only the store knows of it: its claim's lease and its row number.
    struct StoredDelivery: Sendable {
        var delivery: Delivery
        var leaseUntil: Date?
        var row: Int64
    }

    /// Idempotency keys are unique per scope (the sender).
    struct IdempotencyScope: Hashable, Sendable {
        var scope: String
        var key: String
    }

    struct StoredIdempotencyKey: Sendable {
        var fingerprint: String
        var messageID: String
    }

    /// Replay keys are unique per connector.
    struct ReplayScope: Hashable, Sendable {
        var connector: String
        var key: String
    }

    struct StoredReplayKey: Sendable {
        var expiresAt: Date
        var messageID: String
    }

    struct StoredInboxItem: Sendable {
        var messageID: String
        var owner: String?
        var receivedAt: Date
    }

    /// One user's read flag on one inbox item.
    struct InboxRead: Hashable, Sendable {
        var itemID: Int64
        var username: String
    }

    struct StoredSession: Sendable {
        var username: String
        var expiresAt: Date
    }

    /// One topic's table: rows in insertion order, each with the value as stored (the SQLite
    /// store's column affinity aside, read back through the declared type as it reads them).
    struct TopicTable: Sendable {
        /// Declared column types, `id`, `user` and `timestamp` included.
        var types: [String: TopicColumnType]
        /// Each column's SQL type when it was added (`TopicColumnType.sqlType`): what a value
        /// is stored as, which a later change of the declared type does not change.
        var affinity: [String: String]
        /// `_seq` → row.
        var rows: [Int64: TopicRow] = [:]
        /// `id` → `_seq`.
        var seqByID: [String: Int64] = [:]
        var nextSeq: Int64 = 1
        var revision: Int64 = 0
    }
}

extension MemoryStore.State {
    /// The record of a stored message, its attachments and deliveries included.
    func record(messageID: String) -> MessageRecord? {
        guard let stored = messages[messageID] else { return nil }
        let deliveries = stored.deliveryIDs.compactMap { self.deliveries[$0]?.delivery }
        return MessageRecord(message: stored.message, deliveries: deliveries, warnings: stored.warnings)
    }

    /// The delivery or `notFound/unknown_delivery`, as the SQLite store words it.
    func storedDelivery(_ id: String) throws(SwitchboardError) -> MemoryStore.StoredDelivery {
        guard let stored = deliveries[id] else {
            throw SwitchboardError.notFound("unknown_delivery", "no delivery with id \(id)")
        }
        return stored
    }

    static func illegalTransition(_ id: String, from: DeliveryStatus, to: DeliveryStatus) -> SwitchboardError {
        .conflict("illegal_transition", "delivery \(id) is \(from.rawValue); cannot move to \(to.rawValue)")
    }
}
