import Foundation

// Conversations and their deadlines in memory. A turn works on a draft of the state that
// replaces it only when every write, reply, form and deadline of the turn succeeded, so a
// refused turn leaves nothing behind; replies and the form go through the same code as
// `accept` and `recordSubmission`.
extension MemoryStore: ConversationStore {
    package func ongoingConversation(connector: String, address: Address) async throws -> Conversation? {
        try withState { state in
            state.ongoingConversations[ConnectionKey(connector: connector, address: address)]
                .flatMap { state.conversations[$0]?.conversation }
        }
    }

    package func conversation(id: String) async throws -> Conversation? {
        try withState { $0.conversations[id]?.conversation }
    }

    package func transcript(conversationID: String, after seq: Int, limit: Int) async throws -> [ConversationEntry] {
        guard limit > 0 else { return [] }
        return try withState { state in
            // Entry n is at index n - 1.
            guard let transcript = state.conversations[conversationID]?.transcript, max(seq, 0) < transcript.count else { return [] }
            return Array(transcript[max(seq, 0)...].prefix(limit))
        }
    }

    package func transcriptHolds(inboundMessageID: String) async throws -> Bool {
        try withState { $0.answeredInbound[inboundMessageID] != nil }
    }

    package func conversations(_ query: ConversationQuery) async throws -> ConversationPage {
        let limit = max(query.limit, 0)
        let cursor = try query.cursor.map { text throws(SwitchboardError) in try ConversationCursor(parsing: text) }
        guard limit > 0 else { return ConversationPage(conversations: [], nextCursor: nil) }
        return try withState { state in
            let address = query.address?.description
            let matching = state.conversations.values.filter { stored in
                let c = stored.conversation
                return (query.status.map { c.status == $0 } ?? true)
                    && (query.responder.map { c.responder == $0 } ?? true)
                    && (query.connector.map { c.connector == $0 } ?? true)
                    && (address.map { c.address.description == $0 } ?? true)
                    && (query.username.map { c.username == $0 } ?? true)
                    && (cursor.map { $0.precedes(time: c.startedAt.timeIntervalSince1970, seq: stored.seq) } ?? true)
            }.sorted { a, b in
                let (ta, tb) = (a.conversation.startedAt.timeIntervalSince1970, b.conversation.startedAt.timeIntervalSince1970)
                return ta != tb ? ta > tb : a.seq > b.seq
            }
            let page = matching.prefix(limit)
            let next = matching.count > limit ? page.last.map(\.cursor.text) : nil
            return ConversationPage(conversations: page.map(\.conversation), nextCursor: next)
        }
    }

    package func commitTurn(_ turn: ConversationTurn) async throws -> [Acceptance] {
        try transaction { draft in
            for write in turn.writes { try draft.apply(write) }
            let acceptances = try turn.replies.map { reply in
                try draft.accept(turn.replyClaim?.apply(to: reply) ?? reply, leaseUntil: turn.replyClaim?.leaseUntil) {
                    .conflict("message_exists", "a message or delivery with id \($0) already exists")
                }
            }
            if let form = turn.form { try draft.record(form: form) }
            if let messageID = turn.routedMessageID { draft.unrouted.removeAll { $0 == messageID } }
            if let fired = turn.clearsSignOut {
                let key = ConnectionKey(connector: fired.connector, address: fired.address)
                guard draft.signOutDeadlines[key] == fired else { throw SwitchboardError.signOutChanged(fired) }
                draft.signOutDeadlines[key] = nil
            }
            return acceptances
        }
    }

    package func dueConversationDeadlines(now: Date, limit: Int) async throws -> [ConversationDeadline] {
        guard limit > 0 else { return [] }
        return try withState { state in
            let idle = state.conversations.values
                .filter { $0.conversation.status == .ongoing && ($0.conversation.expiresAt.map { $0 <= now } ?? false) }
                .sorted { ($0.conversation.expiresAt!, $0.seq) < ($1.conversation.expiresAt!, $1.seq) }
                .prefix(limit)
                .map { (at: $0.conversation.expiresAt!, deadline: ConversationDeadline.idle($0.conversation)) }
            let signOuts = state.signOutDeadlines.values
                .filter { $0.dueAt <= now }
                .sorted { a, b in
                    (a.dueAt, a.connector, a.address.description) < (b.dueAt, b.connector, b.address.description)
                }
                .prefix(limit)
                .map { (at: $0.dueAt, deadline: ConversationDeadline.signOut($0)) }
            // Earliest first; on a tie an idle deadline before a sign-out (stable sort).
            return (idle + signOuts).enumerated()
                .sorted { a, b in a.element.at != b.element.at ? a.element.at < b.element.at : a.offset < b.offset }
                .prefix(limit)
                .map(\.element.deadline)
        }
    }

    package func nextConversationDeadline() async throws -> Date? {
        try withState { state in
            let idle = state.ongoingConversations.values.compactMap { state.conversations[$0]?.conversation.expiresAt }.min()
            let signOut = state.signOutDeadlines.values.map(\.dueAt).min()
            return [idle, signOut].compactMap { $0 }.min()
        }
    }

    package func setSignOutDeadline(_ deadline: SignOutDeadline) async throws {
        try withState { state in
            state.signOutDeadlines[ConnectionKey(connector: deadline.connector, address: deadline.address)] = deadline
        }
    }

    @discardableResult
    package func clearSignOutDeadline(connector: String, address: Address) async throws -> Bool {
        try withState { state in
            state.signOutDeadlines.removeValue(forKey: ConnectionKey(connector: connector, address: address)) != nil
        }
    }

    package func purgeConversations(finishedBefore before: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return try withState { state in
            let gone = state.conversations.values
                .filter { $0.conversation.status.isFinished && $0.conversation.updatedAt < before }
                .sorted { ($0.conversation.updatedAt, $0.seq) < ($1.conversation.updatedAt, $1.seq) }
                .prefix(limit)
            for stored in gone {
                state.conversations[stored.conversation.id] = nil
                for entry in stored.transcript where entry.direction == .inbound {
                    if let id = entry.messageID { state.answeredInbound[id] = nil }
                }
            }
            return gone.count
        }
    }

    package func ongoingConversationCounts() async throws -> [String: Int] {
        try withState { state in
            var counts: [String: Int] = [:]
            for id in state.ongoingConversations.values {
                if let responder = state.conversations[id]?.conversation.responder { counts[responder, default: 0] += 1 }
            }
            return counts
        }
    }
}

extension MemoryStore.StoredConversation {
    var cursor: ConversationCursor { ConversationCursor(time: conversation.startedAt.timeIntervalSince1970, seq: seq) }
}

extension MemoryStore.State {
    /// Inserts or updates one conversation of a turn, checked as the SQLite store's revision
    /// check and unique index check it: writes apply in order, so a turn that ends one
    /// ongoing conversation and starts another on the same connection lists the end first.
    /// The turn's entries are appended to the stored transcript, numbered on.
    mutating func apply(_ write: ConversationWrite) throws(SwitchboardError) {
        var conversation = write.conversation
        let existing = conversations[conversation.id]
        let seq: Int64
        if let expected = write.expectedRevision {
            guard let existing, existing.conversation.revision == expected else {
                throw SwitchboardError.conversationChanged(conversation.id, expected: expected)
            }
            let old = existing.conversation
            let oldKey = MemoryStore.ConnectionKey(connector: old.connector, address: old.address)
            if old.status == .ongoing, ongoingConversations[oldKey] == old.id { ongoingConversations[oldKey] = nil }
            seq = existing.seq
            conversation.revision = expected + 1
        } else {
            guard existing == nil else {
                throw SwitchboardError.conflict("conversation_exists", "a conversation with id \(conversation.id) already exists")
            }
            seq = nextConversationSeq
            nextConversationSeq += 1
            conversation.revision = 1
        }
        if conversation.status == .ongoing {
            let key = MemoryStore.ConnectionKey(connector: conversation.connector, address: conversation.address)
            if let other = ongoingConversations[key], other != conversation.id {
                throw SwitchboardError.conversationOngoing(connector: conversation.connector, address: conversation.address)
            }
            ongoingConversations[key] = conversation.id
        }
        var transcript = existing?.transcript ?? []
        for var entry in write.appending {
            entry.seq = transcript.count + 1
            transcript.append(entry)
            if entry.direction == .inbound, let id = entry.messageID { answeredInbound[id] = conversation.id }
        }
        conversations[conversation.id] = MemoryStore.StoredConversation(conversation: conversation, seq: seq, transcript: transcript)
    }
}
