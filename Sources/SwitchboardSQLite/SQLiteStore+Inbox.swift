import Foundation
import GRDB
import SwitchboardCore

extension SQLiteStore {
    package func recordInbound(_ message: Message, replayKey: ReplayKey?) async throws {
        var copy = message
        copy.direction = .inbound
        let inbound = copy
        do {
            try await commits.write { db in
                if let replayKey { try Self.claim(replayKey, for: inbound.id, in: db) }
                try Self.insert(inbound, warnings: [], in: db)
                try db.cachedStatement(sql: "INSERT INTO inbound_unrouted (message_id) VALUES (?)").execute(arguments: [inbound.id])
                if let replayKey {
                    try db.execute(
                        sql: "INSERT INTO inbound_replay_keys (connector, key, expires_at, message_id) VALUES (?, ?, ?, ?)",
                        arguments: [replayKey.connector, replayKey.key, SQLDate.encode(replayKey.expiresAt), inbound.id]
                    )
                }
            }
        } catch let error as DatabaseError where error.isDuplicate {
            throw SwitchboardError.conflict("message_exists", "a message with id \(message.id) already exists")
        }
    }

    /// Forgets keys past their expiry (so the table holds at most one tolerance window of
    /// requests), then refuses a key still remembered. Runs in the inserting transaction, so
    /// two copies of one request arriving at once cannot both pass.
    private static func claim(_ key: ReplayKey, for messageID: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM inbound_replay_keys WHERE expires_at < ?", arguments: [SQLDate.encode(Date())])
        if let earlier = try String.fetchOne(
            db,
            sql: "SELECT message_id FROM inbound_replay_keys WHERE connector = ? AND key = ?",
            arguments: [key.connector, key.key]
        ) {
            throw SwitchboardError.conflict(
                "replayed",
                "this request was already received (message \(earlier)); a replay is not committed again"
            )
        }
    }

    package func addToInbox(messageID: String, owner: String?) async throws -> InboxItem {
        try await commits.write { db in
            guard var message = try MessageRow.fetchOne(db, key: messageID)?.message else {
                throw SwitchboardError.notFound("unknown_message", "no message with id \(messageID)")
            }
            message.attachments = try Self.fetchAttachments(messageIDs: [messageID], in: db)[messageID] ?? []
            try db.execute(sql: "DELETE FROM inbound_unrouted WHERE message_id = ?", arguments: [messageID])
            let form = try String.fetchOne(db, sql: "SELECT id FROM form_submissions WHERE message_id = ?", arguments: [messageID])
            // Routing again after a crash must not show the message twice.
            if let existing = try Row.fetchOne(
                db,
                sql: "SELECT id, owner, received_at FROM inbox_items WHERE message_id = ? ORDER BY id LIMIT 1",
                arguments: [messageID]
            ) {
                return InboxItem(
                    id: existing["id"],
                    message: message,
                    owner: existing["owner"],
                    read: false,
                    receivedAt: SQLDate.decode(existing["received_at"]),
                    formSubmissionID: form
                )
            }
            let receivedAt = SQLDate.encode(Date())
            try db.execute(
                sql: "INSERT INTO inbox_items (message_id, owner, received_at) VALUES (?, ?, ?)",
                arguments: [messageID, owner, receivedAt]
            )
            let id = db.lastInsertedRowID
            return InboxItem(
                id: id,
                message: message,
                owner: owner,
                read: false,
                receivedAt: SQLDate.decode(receivedAt),
                formSubmissionID: form
            )
        }
    }

    package func finishRouting(messageID: String) async throws {
        try await commits.write { db in
            try db.execute(sql: "DELETE FROM inbound_unrouted WHERE message_id = ?", arguments: [messageID])
        }
    }

    package func unroutedInbound(limit: Int) async throws -> [Message] {
        try await read { db in
            let ids = try String.fetchAll(
                db,
                sql: "SELECT message_id FROM inbound_unrouted ORDER BY seq LIMIT ?",
                arguments: [max(limit, 0)]
            )
            let attachments = try Self.fetchAttachments(messageIDs: ids, in: db)
            return try ids.compactMap { id in
                guard var message = try MessageRow.fetchOne(db, key: id)?.message else { return nil }
                message.attachments = attachments[id] ?? []
                return message
            }
        }
    }

    package func inbox(_ query: InboxQuery) async throws -> InboxPage {
        let limit = max(query.limit, 0)
        guard limit > 0 else { return InboxPage(items: [], nextCursor: nil) }
        return try await read { db in
            var conditions: [SQL] = [Self.scopeCondition(query.scope, viewer: query.viewer)]
            if query.read == false { conditions.append("r.item_id IS NULL") }
            if let before = query.before { conditions.append("i.id < \(before)") }
            conditions += Self.filterConditions(query.filter)
            // One row more than asked tells whether another page exists.
            let sql: SQL = """
                \(Self.itemSelect(viewer: query.viewer, readOnly: query.read == true))
                WHERE \(conditions.joined(separator: " AND "))
                ORDER BY i.id DESC LIMIT \(limit + 1)
                """
            let rows = try Row.fetchAll(db, SQLRequest<Row>(literal: sql))
            let items = try Self.items(from: rows.prefix(limit), in: db)
            let nextCursor = rows.count > limit ? items.last?.id : nil
            return InboxPage(items: items, nextCursor: nextCursor)
        }
    }

    package func inboxItem(id: Int64, viewer: String) async throws -> InboxItem? {
        try await read { db in
            let sql: SQL = "\(Self.itemSelect(viewer: viewer)) WHERE i.id = \(id)"
            let rows = try Row.fetchAll(db, SQLRequest<Row>(literal: sql))
            return try Self.items(from: rows, in: db).first
        }
    }

    package func markRead(itemID: Int64, username: String) async throws -> Bool {
        try await commits.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM inbox_items WHERE id = ?)", arguments: [itemID]) == true
            else { return false }
            try db.execute(
                sql: "INSERT OR IGNORE INTO inbox_reads (item_id, username, read_at) VALUES (?, ?, ?)",
                arguments: [itemID, username, SQLDate.encode(Date())]
            )
            return true
        }
    }

    package func markUnread(itemID: Int64, username: String) async throws -> Bool {
        try await commits.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM inbox_items WHERE id = ?)", arguments: [itemID]) == true
            else { return false }
            try db.execute(sql: "DELETE FROM inbox_reads WHERE item_id = ? AND username = ?", arguments: [itemID, username])
            return true
        }
    }

    package func markAllRead(username: String, scope: InboxQuery.Scope, upTo: Int64?) async throws -> Int {
        try await commits.write { db in
            var conditions: [SQL] = [Self.scopeCondition(scope, viewer: username)]
            if let upTo { conditions.append("i.id <= \(upTo)") }
            let sql: SQL = """
                INSERT OR IGNORE INTO inbox_reads (item_id, username, read_at)
                SELECT i.id, \(username), \(SQLDate.encode(Date())) FROM inbox_items i
                WHERE \(conditions.joined(separator: " AND "))
                """
            try db.execute(literal: sql)
            return db.changesCount
        }
    }

    package func unreadCount(viewer: String) async throws -> (mine: Int, common: Int) {
        try await read { db in
            let row = try Row.fetchOne(
                db,
                // Items minus the viewer's read flags on them: two index counts and a walk over
                // the viewer's own flags (`inbox_reads_user`), not a look-up per item.
                sql: """
                    SELECT
                      (SELECT count(*) FROM inbox_items WHERE owner = ?1)
                        - (SELECT count(*) FROM inbox_reads r JOIN inbox_items i ON i.id = r.item_id
                           WHERE r.username = ?1 AND i.owner = ?1) AS mine,
                      (SELECT count(*) FROM inbox_items WHERE owner IS NULL)
                        - (SELECT count(*) FROM inbox_reads r JOIN inbox_items i ON i.id = r.item_id
                           WHERE r.username = ?1 AND i.owner IS NULL) AS common
                    """,
                arguments: [viewer]
            )
            guard let row else { return (0, 0) }
            return (try row.decode(Int.self, forColumn: "mine"), try row.decode(Int.self, forColumn: "common"))
        }
    }

    // MARK: - Reading items

    private static func scopeCondition(_ scope: InboxQuery.Scope, viewer: String) -> SQL {
        switch scope {
        case .mine: "i.owner = \(viewer)"
        case .common: "i.owner IS NULL"
        case .all: "(i.owner = \(viewer) OR i.owner IS NULL)"
        }
    }

    /// `InboxFilter` in SQL, over `inbox_items i` joined with `messages m`.
    private static func filterConditions(_ filter: InboxFilter) -> [SQL] {
        var conditions: [SQL] = []
        if let channel = filter.channel {
            if let prefix = InboxFilter.senderPrefix(for: channel) {
                conditions.append("substr(m.origin_from, 1, \(prefix.count)) = \(prefix)")
            } else {
                conditions.append("0")
            }
        }
        if let connector = filter.connector { conditions.append("m.origin_connector = \(connector)") }
        if let since = filter.receivedSince { conditions.append("i.received_at >= \(SQLDate.encode(since))") }
        if let before = filter.receivedBefore { conditions.append("i.received_at < \(SQLDate.encode(before))") }
        if let text = filter.text, !text.isEmpty {
            let needle = InboxFilter.asciiLowercased(text)
            conditions.append(
                """
                (instr(lower(COALESCE(m.subject, '')), \(needle)) > 0 OR instr(lower(m.text), \(needle)) > 0
                 OR instr(lower(COALESCE(m.origin_from, '')), \(needle)) > 0)
                """
            )
        }
        return conditions
    }

    /// Items with the viewer's read flag and form submission; each join finds at most one row
    /// per item (a primary key; `message_id` is unique in `form_submissions`).
    /// `readOnly`: only what the viewer has read, joined from their read flags (index
    /// `inbox_reads_user`), so a viewer who has read little finds it at once instead of
    /// scanning every item for it.
    private static func itemSelect(viewer: String, readOnly: Bool = false) -> SQL {
        let join: SQL = readOnly ? "JOIN" : "LEFT JOIN"
        return """
            SELECT i.id, i.message_id, i.owner, i.received_at, r.item_id IS NOT NULL AS is_read, f.id AS form_submission_id
            FROM inbox_items i
            JOIN messages m ON m.id = i.message_id
            \(join) inbox_reads r ON r.item_id = i.id AND r.username = \(viewer)
            LEFT JOIN form_submissions f ON f.message_id = i.message_id
            """
    }

    /// Turns item rows into items, loading their messages in one batch.
    private static func items(from rows: some Collection<Row>, in db: Database) throws -> [InboxItem] {
        var messageIDs: [String] = []
        for row in rows { messageIDs.append(try row.decode(forColumn: "message_id")) }
        let messages = try fetchMessages(ids: messageIDs, in: db)
        return try zip(rows, messageIDs).map { row, messageID in
            guard let message = messages[messageID] else {
                throw StoredValueError(table: "inbox_items", column: "message_id", value: messageID)
            }
            return InboxItem(
                id: try row.decode(forColumn: "id"),
                message: message,
                owner: try row.decode(forColumn: "owner"),
                read: try row.decode(forColumn: "is_read"),
                receivedAt: SQLDate.decode(try row.decode(Double.self, forColumn: "received_at")),
                formSubmissionID: try row.decode(forColumn: "form_submission_id")
            )
        }
    }
}
