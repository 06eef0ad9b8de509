import Foundation
import Logging
import PostgresNIO
import SwitchboardCore

/// Conversations and their deadlines, as `SQLiteStore+Conversations` keeps them, for several
/// nodes: a turn is one transaction (its writes, replies, form, routed mark and fired
/// sign-out all or none); a write at an old revision matches no row, also when another node's
/// turn commits first (the update waits for its row lock, then sees the new revision); two
/// nodes starting a conversation on one connection meet at the partial unique index.
extension PostgresStore: ConversationStore {
    package func ongoingConversation(connector: String, address: Address) async throws -> Conversation? {
        try await rows(
            "\(unescaped: ConversationRecords.select) WHERE connector = \(connector) AND address = \(address.description) AND status = 'ongoing'"
        ).first.map(ConversationRecords.conversation)
    }

    package func conversation(id: String) async throws -> Conversation? {
        try await rows("\(unescaped: ConversationRecords.select) WHERE id = \(id)").first.map(ConversationRecords.conversation)
    }

    /// A range of the primary key `(conversation_id, seq)`.
    package func transcript(conversationID: String, after seq: Int, limit: Int) async throws -> [ConversationEntry] {
        guard limit > 0 else { return [] }
        return try await rows(ConversationRecords.transcriptQuery(conversationID: conversationID, after: seq, limit: limit))
            .map(ConversationRecords.entry)
    }

    /// Once per inbound message: the partial index `conversation_messages_inbound`.
    package func transcriptHolds(inboundMessageID: String) async throws -> Bool {
        try await !rows(
            """
            SELECT 1 FROM conversation_messages
            WHERE message_id = \(inboundMessageID) AND direction = 'inbound' AND message_id IS NOT NULL LIMIT 1
            """
        ).isEmpty
    }

    /// Most recently started first, ties by `seq`; the cursor a row-value bound on both.
    package func conversations(_ query: ConversationQuery) async throws -> ConversationPage {
        let limit = max(query.limit, 0)
        let cursor = try query.cursor.map { text throws(SwitchboardError) in try ConversationCursor(parsing: text) }
        guard limit > 0 else { return ConversationPage(conversations: [], nextCursor: nil) }
        var b = QueryBuilder()
        var clauses: [String] = []
        if let status = query.status { clauses.append("status = \(b.bind(status.rawValue))") }
        if let responder = query.responder { clauses.append("responder = \(b.bind(responder))") }
        if let connector = query.connector { clauses.append("connector = \(b.bind(connector))") }
        if let address = query.address { clauses.append("address = \(b.bind(address.description))") }
        if let username = query.username { clauses.append("username = \(b.bind(username))") }
        if let cursor {
            clauses.append("(extract(epoch FROM started_at)::float8, seq) < (\(b.bind(cursor.time)), \(b.bind(cursor.seq)))")
        }
        let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        // One row more than asked tells whether another page exists.
        let sql = "\(ConversationRecords.select) \(filter) ORDER BY started_at DESC, seq DESC LIMIT \(b.bind(Int64(limit + 1)))"
        let rows = try await rows(b.query(sql))
        let page = rows.prefix(limit)
        let next = rows.count > limit ? try page.last.map { try ConversationRecords.cursor($0).text } : nil
        return ConversationPage(conversations: try page.map(ConversationRecords.conversation), nextCursor: next)
    }

    package func commitTurn(_ turn: ConversationTurn) async throws -> [Acceptance] {
        let logger = logger
        do {
            return try await transaction { connection in
                for write in turn.writes { try await Self.apply(write, on: connection, logger: logger) }
                var acceptances: [Acceptance] = []
                let claim = turn.replyClaim
                for reply in turn.replies {
                    let claimed = claim?.apply(to: reply) ?? reply
                    acceptances.append(try await Self.accept(claimed, on: connection, logger: logger, leaseUntil: claim?.leaseUntil))
                }
                if let form = turn.form { try await Self.insertSubmission(form, on: connection, logger: logger) }
                if let messageID = turn.routedMessageID {
                    try await connection.execute("DELETE FROM inbound_unrouted WHERE message_id = \(messageID)", logger: logger)
                }
                if let fired = turn.clearsSignOut {
                    let cleared = try await connection.execute(
                        """
                        DELETE FROM conversation_signouts
                        WHERE connector = \(fired.connector) AND address = \(fired.address.description) AND due_at = \(fired.dueAt)
                        """,
                        logger: logger
                    )
                    guard cleared == 1 else { throw SwitchboardError.signOutChanged(fired) }
                }
                return acceptances
            }
        } catch  where isUniqueViolation(error) {
            // Conversation and form constraints are worded where they are hit; what is left is
            // a reply's message or delivery id.
            throw SwitchboardError.conflict("message_exists", "a message or delivery of the turn's replies already exists")
        }
    }

    /// One write of a turn, in order: an insert, or an update only at the revision read; then
    /// its new transcript entries, numbered on from the last stored one (the update holds the
    /// conversation's row lock, so no other turn appends to it until this one ends).
    private static func apply(_ write: ConversationWrite, on connection: PostgresConnection, logger: Logger) async throws {
        var conversation = write.conversation
        var b = QueryBuilder()
        let sql: String
        if let expected = write.expectedRevision {
            conversation.revision = expected + 1
            sql = try ConversationRecords.updateSQL(&b, conversation, expected: expected)
        } else {
            conversation.revision = 1
            sql = try ConversationRecords.insertSQL(&b, conversation)
        }
        let changed: Int
        do {
            changed = try await connection.execute(b.query(sql), logger: logger)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            if error.serverInfo?[.constraintName] == "conversations_ongoing" {
                throw SwitchboardError.conversationOngoing(connector: conversation.connector, address: conversation.address)
            }
            throw SwitchboardError.conflict("conversation_exists", "a conversation with id \(conversation.id) already exists")
        }
        if let expected = write.expectedRevision, changed != 1 {
            throw SwitchboardError.conversationChanged(conversation.id, expected: expected)
        }
        guard !write.appending.isEmpty else { return }
        var seq = 0
        if write.expectedRevision != nil {
            let last = try await connection.rows(
                "SELECT max(seq)::int8 AS last FROM conversation_messages WHERE conversation_id = \(conversation.id)",
                logger: logger
            )
            seq = Int(try last.first?["last"].decode(Int64?.self) ?? 0)
        }
        for entry in write.appending {
            seq += 1
            try await connection.execute(ConversationRecords.appendQuery(entry, conversationID: conversation.id, seq: seq), logger: logger)
        }
    }

    /// Idle ones and sign-outs, each at most `limit`, merged earliest first (an idle one
    /// first on a tie).
    package func dueConversationDeadlines(now: Date, limit: Int) async throws -> [ConversationDeadline] {
        guard limit > 0 else { return [] }
        let idle = try await rows(
            """
            \(unescaped: ConversationRecords.select)
            WHERE status = 'ongoing' AND expires_at <= \(now) ORDER BY expires_at, seq LIMIT \(Int64(limit))
            """
        ).map { row in
            let conversation = try ConversationRecords.conversation(row)
            return (at: conversation.expiresAt ?? now, deadline: ConversationDeadline.idle(conversation))
        }
        let signOuts = try await rows(
            """
            SELECT connector, address, due_at FROM conversation_signouts
            WHERE due_at <= \(now) ORDER BY due_at, connector COLLATE "C", address COLLATE "C" LIMIT \(Int64(limit))
            """
        ).map { row in
            let deadline = try ConversationRecords.signOut(row)
            return (at: deadline.dueAt, deadline: ConversationDeadline.signOut(deadline))
        }
        return (idle + signOuts).enumerated()
            .sorted { a, b in a.element.at != b.element.at ? a.element.at < b.element.at : a.offset < b.offset }
            .prefix(limit)
            .map(\.element.deadline)
    }

    package func nextConversationDeadline() async throws -> Date? {
        let row = try await rows(
            """
            SELECT (SELECT min(expires_at) FROM conversations WHERE status = 'ongoing') AS idle,
                   (SELECT min(due_at) FROM conversation_signouts) AS sign_out
            """
        ).first
        guard let row else { return nil }
        return [try row["idle"].decode(Date?.self), try row["sign_out"].decode(Date?.self)].compactMap { $0 }.min()
    }

    package func setSignOutDeadline(_ deadline: SignOutDeadline) async throws {
        try await changes(
            """
            INSERT INTO conversation_signouts (connector, address, due_at)
            VALUES (\(deadline.connector), \(deadline.address.description), \(deadline.dueAt))
            ON CONFLICT (connector, address) DO UPDATE SET due_at = EXCLUDED.due_at
            """
        )
    }

    @discardableResult
    package func clearSignOutDeadline(connector: String, address: Address) async throws -> Bool {
        try await changes("DELETE FROM conversation_signouts WHERE connector = \(connector) AND address = \(address.description)") > 0
    }

    /// Oldest finished first, a range scan of `conversations_finished`.
    package func purgeConversations(finishedBefore before: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return try await changes(
            """
            DELETE FROM conversations WHERE seq IN (
                SELECT seq FROM conversations WHERE status <> 'ongoing' AND updated_at < \(before)
                ORDER BY updated_at LIMIT \(Int64(limit)))
            """
        )
    }

    package func ongoingConversationCounts() async throws -> [String: Int] {
        let rows = try await rows("SELECT responder, count(*) AS n FROM conversations WHERE status = 'ongoing' GROUP BY responder")
        return Dictionary(uniqueKeysWithValues: try rows.map { (try $0["responder"].decode(String.self), Int(try $0["n"].decode(Int64.self))) })
    }
}
