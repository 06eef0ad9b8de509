import Foundation
import GRDB
import SwitchboardCore

// Conversations, their transcripts and deadlines (`conversations`, `conversation_messages`,
// `conversation_signouts`; migrations v7-conversations, v9-conversation-messages). A turn is
// one job of the group commit: its savepoint (or transaction) takes every write, appended
// message, reply, form and deadline back when any of them is refused.
extension SQLiteStore {
    package func ongoingConversation(connector: String, address: Address) async throws -> Conversation? {
        try await read { db in
            // Once per inbound message: a cached statement (preparing one costs more than the read).
            try ConversationRow.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT * FROM conversations INDEXED BY conversations_ongoing
                        WHERE connector = ? AND address = ? AND status = 'ongoing'
                        """
                ),
                arguments: [connector, address.description]
            )?.conversation
        }
    }

    package func conversation(id: String) async throws -> Conversation? {
        try await read { db in
            try ConversationRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM conversations WHERE id = ?"), arguments: [id])?.conversation
        }
    }

    /// A range of the primary key `(conversation_id, seq)`.
    package func transcript(conversationID: String, after seq: Int, limit: Int) async throws -> [ConversationEntry] {
        guard limit > 0 else { return [] }
        return try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: ConversationEntryRow.selectSQL), arguments: [conversationID, max(seq, 0), limit])
                .map(ConversationEntryRow.entry)
        }
    }

    /// Once per inbound message: `conversation_messages_inbound`, a cached statement.
    package func transcriptHolds(inboundMessageID: String) async throws -> Bool {
        try await read { db in try Self.holds(inboundMessageID, in: db) }
    }

    /// Both reads a turn starts with in one hop to a reader (once per inbound message).
    package func turnStart(inboundMessageID: String, connector: String, address: Address) async throws -> TurnStart {
        try await read { db in
            if try Self.holds(inboundMessageID, in: db) { return TurnStart(answered: true, ongoing: nil) }
            let ongoing = try ConversationRow.fetchOne(
                db.cachedStatement(sql: Self.ongoingSQL),
                arguments: [connector, address.description]
            )?.conversation
            return TurnStart(answered: false, ongoing: ongoing)
        }
    }

    static let ongoingSQL = """
        SELECT * FROM conversations INDEXED BY conversations_ongoing
        WHERE connector = ? AND address = ? AND status = 'ongoing'
        """

    private static func holds(_ inboundMessageID: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT 1 FROM conversation_messages INDEXED BY conversation_messages_inbound
                    WHERE message_id = ? AND direction = 'inbound' AND message_id IS NOT NULL LIMIT 1
                    """
            ),
            arguments: [inboundMessageID]
        ) ?? false
    }

    /// Most recently started first, ties by `seq`: a range scan of `conversations_started` (or
    /// of `conversations_user` for one user's), the cursor a row-value bound on both.
    package func conversations(_ query: ConversationQuery) async throws -> ConversationPage {
        let limit = max(query.limit, 0)
        let cursor = try query.cursor.map { text throws(SwitchboardError) in try ConversationCursor(parsing: text) }
        guard limit > 0 else { return ConversationPage(conversations: [], nextCursor: nil) }
        var clauses: [String] = []
        var arguments = StatementArguments()
        func match(_ clause: String, _ value: some DatabaseValueConvertible) {
            clauses.append(clause)
            arguments += [value]
        }
        if let status = query.status { match("status = ?", status.rawValue) }
        if let responder = query.responder { match("responder = ?", responder) }
        if let connector = query.connector { match("connector = ?", connector) }
        if let address = query.address { match("address = ?", address.description) }
        if let username = query.username { match("username = ?", username) }
        if let cursor {
            clauses.append("(started_at, seq) < (?, ?)")
            arguments += [cursor.time, cursor.seq]
        }
        arguments += [limit + 1]
        let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let sql = "SELECT * FROM conversations \(filter) ORDER BY started_at DESC, seq DESC LIMIT ?"
        return try await read { [arguments] db in
            // One row more than asked tells whether another page exists.
            let rows = try ConversationRow.fetchAll(db, sql: sql, arguments: arguments)
            let page = rows.prefix(limit)
            let next = rows.count > limit ? page.last?.cursor.text : nil
            return ConversationPage(conversations: page.map(\.conversation), nextCursor: next)
        }
    }

    package func commitTurn(_ turn: ConversationTurn) async throws -> [Acceptance] {
        do {
            return try await commits.write { db in try Self.commit(turn, in: db) }
        } catch let error as DatabaseError where error.isDuplicate {
            // Conversation and form constraints are worded where they are hit; what is left
            // is a reply's message or delivery id.
            throw SwitchboardError.conflict("message_exists", "a message or delivery of the turn's replies already exists")
        }
    }

    private static func commit(_ turn: ConversationTurn, in db: Database) throws -> [Acceptance] {
        for write in turn.writes { try apply(write, in: db) }
        let claim = turn.replyClaim
        let acceptances = try turn.replies.map { try accept(claim?.apply(to: $0) ?? $0, in: db, leaseUntil: claim?.leaseUntil) }
        if let form = turn.form {
            do { try FormSubmissionRow(form).insert(db) } catch let error as DatabaseError where error.isForeignKeyViolation {
                throw SwitchboardError.notFound("unknown_message", "no message with id \(form.messageID)")
            } catch let error as DatabaseError where error.isDuplicate {
                throw SwitchboardError.conflict(
                    "form_submission_exists",
                    "submission \(form.id) or one for message \(form.messageID) already exists"
                )
            }
        }
        if let messageID = turn.routedMessageID {
            try db.cachedStatement(sql: "DELETE FROM inbound_unrouted WHERE message_id = ?").execute(arguments: [messageID])
        }
        if let fired = turn.clearsSignOut {
            try db.execute(
                sql: "DELETE FROM conversation_signouts WHERE connector = ? AND address = ? AND due_at = ?",
                arguments: [fired.connector, fired.address.description, SQLDate.encode(fired.dueAt)]
            )
            guard db.changesCount == 1 else { throw SwitchboardError.signOutChanged(fired) }
        }
        return acceptances
    }

    /// One write of a turn, in order: an insert (its id checked first, so a unique violation
    /// left is the one-ongoing index) or an update only at the revision read; then its new
    /// transcript entries, numbered on from the last stored one.
    private static func apply(_ write: ConversationWrite, in db: Database) throws {
        var conversation = write.conversation
        do {
            if let expected = write.expectedRevision {
                conversation.revision = expected + 1
                // The id is matched, not set: it moves from first to the WHERE clause.
                var values = try ConversationRow.values(conversation)
                values.removeFirst()
                values += [conversation.id, expected]
                try db.cachedStatement(sql: ConversationRow.updateSQL).execute(arguments: StatementArguments(values))
                guard db.changesCount == 1 else { throw SwitchboardError.conversationChanged(conversation.id, expected: expected) }
            } else {
                if try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM conversations WHERE id = ?"), arguments: [conversation.id]) == true {
                    throw SwitchboardError.conflict("conversation_exists", "a conversation with id \(conversation.id) already exists")
                }
                conversation.revision = 1
                try db.cachedStatement(sql: ConversationRow.insertSQL).execute(
                    arguments: StatementArguments(try ConversationRow.values(conversation))
                )
            }
        } catch let error as DatabaseError where error.isDuplicate {
            throw SwitchboardError.conversationOngoing(connector: conversation.connector, address: conversation.address)
        }
        guard !write.appending.isEmpty else { return }
        var seq =
            write.expectedRevision == nil
            ? 0
            : try Int.fetchOne(
                db.cachedStatement(sql: "SELECT MAX(seq) FROM conversation_messages WHERE conversation_id = ?"),
                arguments: [conversation.id]
            ) ?? 0
        let insert = try db.cachedStatement(sql: ConversationEntryRow.insertSQL)
        for entry in write.appending {
            seq += 1
            try insert.execute(arguments: ConversationEntryRow.arguments(entry, conversationID: conversation.id, seq: seq))
        }
    }

    /// Idle ones by `conversations_expiry`, sign-outs by `conversation_signouts_due`, each
    /// at most `limit`, merged earliest first (an idle one first on a tie).
    package func dueConversationDeadlines(now: Date, limit: Int) async throws -> [ConversationDeadline] {
        guard limit > 0 else { return [] }
        let at = SQLDate.encode(now)
        return try await read { db in
            let idle = try ConversationRow.fetchAll(
                db,
                sql: """
                    SELECT * FROM conversations INDEXED BY conversations_expiry
                    WHERE status = 'ongoing' AND expires_at <= ? ORDER BY expires_at, seq LIMIT ?
                    """,
                arguments: [at, limit]
            ).map { (at: $0.conversation.expiresAt!, deadline: ConversationDeadline.idle($0.conversation)) }
            let signOuts = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM conversation_signouts INDEXED BY conversation_signouts_due
                    WHERE due_at <= ? ORDER BY due_at, connector, address LIMIT ?
                    """,
                arguments: [at, limit]
            ).map { row in
                let deadline = try SignOutDeadline(row: row)
                return (at: deadline.dueAt, deadline: ConversationDeadline.signOut(deadline))
            }
            return (idle + signOuts).enumerated()
                .sorted { a, b in a.element.at != b.element.at ? a.element.at < b.element.at : a.offset < b.offset }
                .prefix(limit)
                .map(\.element.deadline)
        }
    }

    package func nextConversationDeadline() async throws -> Date? {
        try await read { db in
            let idle = try Double.fetchOne(db, sql: "SELECT MIN(expires_at) FROM conversations WHERE status = 'ongoing'")
            let signOut = try Double.fetchOne(db, sql: "SELECT MIN(due_at) FROM conversation_signouts")
            return [idle, signOut].compactMap { $0 }.min().map(SQLDate.decode)
        }
    }

    package func setSignOutDeadline(_ deadline: SignOutDeadline) async throws {
        try await commits.write { db in
            try db.execute(
                sql: """
                    INSERT INTO conversation_signouts (connector, address, due_at) VALUES (?, ?, ?)
                    ON CONFLICT (connector, address) DO UPDATE SET due_at = excluded.due_at
                    """,
                arguments: [deadline.connector, deadline.address.description, SQLDate.encode(deadline.dueAt)]
            )
        }
    }

    @discardableResult
    package func clearSignOutDeadline(connector: String, address: Address) async throws -> Bool {
        try await commits.write { db in
            try db.execute(
                sql: "DELETE FROM conversation_signouts WHERE connector = ? AND address = ?",
                arguments: [connector, address.description]
            )
            return db.changesCount > 0
        }
    }

    /// Oldest finished first, a range scan of `conversations_finished`.
    package func purgeConversations(finishedBefore before: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return try await commits.write { db in
            try db.execute(
                sql: """
                    DELETE FROM conversations WHERE seq IN (
                        SELECT seq FROM conversations INDEXED BY conversations_finished
                        WHERE status <> 'ongoing' AND updated_at < ? ORDER BY updated_at LIMIT ?)
                    """,
                arguments: [SQLDate.encode(before), limit]
            )
            return db.changesCount
        }
    }

    package func ongoingConversationCounts() async throws -> [String: Int] {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT responder, COUNT(*) AS n FROM conversations WHERE status = 'ongoing' GROUP BY responder"
            )
            return Dictionary(
                uniqueKeysWithValues: try rows.map { (try $0.decode(String.self, forColumn: "responder"), try $0.decode(Int.self, forColumn: "n")) }
            )
        }
    }
}
