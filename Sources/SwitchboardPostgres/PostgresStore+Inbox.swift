import Foundation
import Logging
import PostgresNIO
import SwitchboardCore

/// Inbound messages and the inboxes that show them, as `SQLiteStore+Inbox` keeps them, for
/// several nodes: a replayed signed request is refused even when its copies reach two nodes
/// at once (the key's insert waits for the other transaction and then finds the key), and a
/// message routed again by two nodes at once lands in one inbox item (the message row is
/// locked while its item is looked up and made).
extension PostgresStore: InboxStore {
    package func recordInbound(_ message: Message, replayKey: ReplayKey?) async throws {
        var inbound = message
        inbound.direction = .inbound
        let logger = logger
        do {
            try await transaction { connection in
                if replayKey != nil {
                    // Forget keys past their expiry, so the table holds one tolerance window.
                    try await connection.execute("DELETE FROM inbound_replay_keys WHERE expires_at < \(Date())", logger: logger)
                }
                try await Self.insert(inbound, warnings: [], on: connection, logger: logger)
                try await connection.execute("INSERT INTO inbound_unrouted (message_id) VALUES (\(inbound.id))", logger: logger)
                guard let key = replayKey else { return }
                let kept = try await connection.rows(
                    """
                    INSERT INTO inbound_replay_keys (connector, key, expires_at, message_id)
                    VALUES (\(key.connector), \(key.key), \(key.expiresAt), \(inbound.id))
                    ON CONFLICT DO NOTHING RETURNING 1
                    """,
                    logger: logger
                )
                guard kept.isEmpty else { return }
                let earlier = try await connection.rows(
                    "SELECT message_id FROM inbound_replay_keys WHERE connector = \(key.connector) AND key = \(key.key)",
                    logger: logger
                ).first?["message_id"].decode(String.self)
                throw SwitchboardError.conflict(
                    "replayed",
                    "this request was already received (message \(earlier ?? "?")); a replay is not committed again"
                )
            }
        } catch  where isUniqueViolation(error) {
            throw SwitchboardError.conflict("message_exists", "a message with id \(message.id) already exists")
        }
    }

    package func addToInbox(messageID: String, owner: String?) async throws -> InboxItem {
        try await transaction { connection in try await addToInbox(messageID: messageID, owner: owner, on: connection) }
    }

    /// `addToInbox` inside the caller's transaction (tests hold one open to interleave writers).
    func addToInbox(messageID: String, owner: String?, on connection: PostgresConnection) async throws -> InboxItem {
        let logger = logger
        let channel = fanOutChannel
        let notifyPrefix = PostgresFanOutListener.inboxPayload(store: instance, item: 0).dropLast()
        // Routing the same message twice at once (two nodes after a crash) waits here.
        let locked = try await connection.rows("SELECT id FROM messages WHERE id = \(messageID) FOR NO KEY UPDATE", logger: logger)
        guard !locked.isEmpty, let message = try await Self.fetchMessages(ids: [messageID], on: connection, logger: logger)[messageID]
        else {
            throw SwitchboardError.notFound("unknown_message", "no message with id \(messageID)")
        }
        try await connection.execute("DELETE FROM inbound_unrouted WHERE message_id = \(messageID)", logger: logger)
        let form = try await connection.rows("SELECT id FROM form_submissions WHERE message_id = \(messageID)", logger: logger)
            .first?["id"].decode(String.self)
        // Routing again after a crash must not show the message twice.
        var rows = try await connection.rows(
            "SELECT id, owner, received_at FROM inbox_items WHERE message_id = \(messageID) ORDER BY id LIMIT 1",
            logger: logger
        )
        if rows.isEmpty {
            // The id is taken under the inbox's writer lock, held to COMMIT, so a page read waits
            // for it rather than show a later id first (`PostgresListOrder`); the last statement.
            // Other nodes' live inboxes hear of it at commit, by id only (`PostgresFanOutListener`).
            rows = try await connection.rows(
                """
                WITH ordered AS MATERIALIZED (\(unescaped: PostgresListOrder.inboxItems.writerLock)),
                added AS (
                    INSERT INTO inbox_items (message_id, owner, received_at)
                    SELECT \(messageID), \(owner), \(Date()) FROM ordered
                    RETURNING id, owner, received_at
                )
                SELECT id, owner, received_at, pg_notify(\(channel), \(String(notifyPrefix)) || id) AS notified FROM added
                """,
                logger: logger
            )
        }
        guard let row = rows.first else { throw PostgresStoreError.unreadable(table: "inbox_items", column: "id", value: messageID) }
        return InboxItem(
            id: try row["id"].decode(Int64.self),
            message: message,
            owner: try row["owner"].decode(String?.self),
            read: false,
            receivedAt: try row["received_at"].decode(Date.self),
            formSubmissionID: form
        )
    }

    package func finishRouting(messageID: String) async throws {
        try await changes("DELETE FROM inbound_unrouted WHERE message_id = \(messageID)")
    }

    package func unroutedInbound(limit: Int) async throws -> [Message] {
        let logger = logger
        return try await client.withConnection { connection in
            let ids = try await connection.rows(
                "SELECT message_id FROM inbound_unrouted ORDER BY seq LIMIT \(Int64(max(limit, 0)))",
                logger: logger
            ).map { try $0["message_id"].decode(String.self) }
            let messages = try await Self.fetchMessages(ids: ids, on: connection, logger: logger)
            return ids.compactMap { messages[$0] }
        }
    }

    package func inbox(_ query: InboxQuery) async throws -> InboxPage {
        let limit = max(query.limit, 0)
        guard limit > 0 else { return InboxPage(items: [], nextCursor: nil) }
        // Below the horizon, so the newest id shown stands for every item up to it.
        let horizon = try await listHorizon(.inboxItems)
        var builder = QueryBuilder()
        let select = Self.itemSelect(viewer: query.viewer, &builder)
        var conditions = [Self.scopeCondition(query.scope, viewer: query.viewer, &builder), "i.id <= \(builder.bind(horizon))"]
        if let read = query.read { conditions.append(read ? "r.item_id IS NOT NULL" : "r.item_id IS NULL") }
        if let before = query.before { conditions.append("i.id < \(builder.bind(before))") }
        conditions += Self.filterConditions(query.filter, &builder)
        // One row more than asked tells whether another page exists.
        let sql = "\(select) WHERE \(conditions.joined(separator: " AND ")) ORDER BY i.id DESC LIMIT \(builder.bind(Int64(limit + 1)))"
        let items = try await items(builder.query(sql))
        let page = Array(items.prefix(limit))
        return InboxPage(items: page, nextCursor: items.count > limit ? page.last?.id : nil)
    }

    package func inboxItem(id: Int64, viewer: String) async throws -> InboxItem? {
        var builder = QueryBuilder()
        let select = Self.itemSelect(viewer: viewer, &builder)
        let sql = "\(select) WHERE i.id = \(builder.bind(id))"
        return try await items(builder.query(sql)).first
    }

    package func markRead(itemID: Int64, username: String) async throws -> Bool {
        try await rows(
            """
            WITH item AS (SELECT id FROM inbox_items WHERE id = \(itemID)),
                 marked AS (INSERT INTO inbox_reads (item_id, username, read_at) SELECT id, \(username), \(Date()) FROM item
                            ON CONFLICT DO NOTHING)
            SELECT count(*) AS found FROM item
            """
        ).first?["found"].decode(Int64.self) ?? 0 > 0
    }

    package func markUnread(itemID: Int64, username: String) async throws -> Bool {
        try await rows(
            """
            WITH item AS (SELECT id FROM inbox_items WHERE id = \(itemID)),
                 unmarked AS (DELETE FROM inbox_reads WHERE item_id IN (SELECT id FROM item) AND username = \(username))
            SELECT count(*) AS found FROM item
            """
        ).first?["found"].decode(Int64.self) ?? 0 > 0
    }

    package func markAllRead(username: String, scope: InboxQuery.Scope, upTo: Int64?) async throws -> Int {
        var builder = QueryBuilder()
        var conditions = [Self.scopeCondition(scope, viewer: username, &builder)]
        if let upTo { conditions.append("i.id <= \(builder.bind(upTo))") }
        let sql = """
            INSERT INTO inbox_reads (item_id, username, read_at)
            SELECT i.id, \(builder.bind(username)), \(builder.bind(Date())) FROM inbox_items i
            WHERE \(conditions.joined(separator: " AND "))
            ON CONFLICT DO NOTHING
            """
        return try await changes(builder.query(sql))
    }

    package func unreadCount(viewer: String) async throws -> (mine: Int, common: Int) {
        let row = try await rows(
            """
            SELECT count(*) FILTER (WHERE i.owner IS NOT NULL) AS mine, count(*) FILTER (WHERE i.owner IS NULL) AS common
            FROM inbox_items i
            WHERE (i.owner = \(viewer) OR i.owner IS NULL)
              AND NOT EXISTS (SELECT 1 FROM inbox_reads r WHERE r.item_id = i.id AND r.username = \(viewer))
            """
        ).first
        guard let row else { return (0, 0) }
        return (Int(try row["mine"].decode(Int64.self)), Int(try row["common"].decode(Int64.self)))
    }

    // MARK: - Reading items

    private static func scopeCondition(_ scope: InboxQuery.Scope, viewer: String, _ builder: inout QueryBuilder) -> String {
        switch scope {
        case .mine: "i.owner = \(builder.bind(viewer))"
        case .common: "i.owner IS NULL"
        case .all: "(i.owner = \(builder.bind(viewer)) OR i.owner IS NULL)"
        }
    }

    /// `InboxFilter` in SQL, over `inbox_items i` joined with `messages m`. Text matches fold
    /// ASCII letters only, as SQLite's `lower` does (and `InboxFilter.asciiLowercased`).
    private static func filterConditions(_ filter: InboxFilter, _ builder: inout QueryBuilder) -> [String] {
        var conditions: [String] = []
        if let channel = filter.channel {
            if let prefix = InboxFilter.senderPrefix(for: channel) {
                conditions.append("left(m.origin_from, \(builder.bind(Int64(prefix.count)))::integer) = \(builder.bind(prefix))")
            } else {
                conditions.append("FALSE")
            }
        }
        if let connector = filter.connector { conditions.append("m.origin_connector = \(builder.bind(connector))") }
        if let since = filter.receivedSince { conditions.append("i.received_at >= \(builder.bind(since))") }
        if let before = filter.receivedBefore { conditions.append("i.received_at < \(builder.bind(before))") }
        if let text = filter.text, !text.isEmpty {
            let needle = builder.bind(InboxFilter.asciiLowercased(text))
            let fold = { (column: String) in "translate(\(column), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')" }
            conditions.append(
                """
                (strpos(\(fold("COALESCE(m.subject, '')")), \(needle)) > 0 OR strpos(\(fold("m.text")), \(needle)) > 0
                 OR strpos(\(fold("COALESCE(m.origin_from, '')")), \(needle)) > 0)
                """
            )
        }
        return conditions
    }

    /// Items with the viewer's read flag and form submission; each join finds at most one row
    /// per item (a primary key; `message_id` is unique in `form_submissions`).
    private static func itemSelect(viewer: String, _ builder: inout QueryBuilder) -> String {
        """
        SELECT i.id, i.message_id, i.owner, i.received_at, r.item_id IS NOT NULL AS is_read, f.id AS form_submission_id
        FROM inbox_items i
        JOIN messages m ON m.id = i.message_id
        LEFT JOIN inbox_reads r ON r.item_id = i.id AND r.username = \(builder.bind(viewer))
        LEFT JOIN form_submissions f ON f.message_id = i.message_id
        """
    }

    /// Runs an item query and loads the items' messages in one batch, on one connection.
    private func items(_ query: PostgresQuery) async throws -> [InboxItem] {
        let logger = logger
        return try await client.withConnection { connection in
            let rows = try await connection.rows(query, logger: logger)
            let ids = try rows.map { try $0["message_id"].decode(String.self) }
            let messages = try await Self.fetchMessages(ids: ids, on: connection, logger: logger)
            return try zip(rows, ids).map { row, messageID in
                guard let message = messages[messageID] else {
                    throw PostgresStoreError.unreadable(table: "inbox_items", column: "message_id", value: messageID)
                }
                return InboxItem(
                    id: try row["id"].decode(Int64.self),
                    message: message,
                    owner: try row["owner"].decode(String?.self),
                    read: try row["is_read"].decode(Bool.self),
                    receivedAt: try row["received_at"].decode(Date.self),
                    formSubmissionID: try row["form_submission_id"].decode(String?.self)
                )
            }
        }
    }
}
