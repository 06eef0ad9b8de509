import Foundation
import Logging
import PostgresNIO
import SwitchboardCore

// The operator's queue on PostgreSQL. A bulk change is one statement: it locks the rows it
// moves (`FOR UPDATE`, which re-checks each against the filter if another node changed it
// meanwhile), moves them and writes their history from what it moved, so the history always
// matches the rows moved even with other nodes claiming and finishing at the same time. Text
// is ordered `COLLATE "C"` (byte order), as SQLite orders it, whatever the database's locale.
extension PostgresStore: QueueStore {
    /// Grouped per address and channel, then cut after the cursor (every page groups all
    /// pending deliveries: the order is by aggregates). The oldest delivery's time is also
    /// read as seconds computed by the server, so a cursor compares equal to its row.
    package func pendingRecipients(channel: ChannelName?, limit: Int, after cursor: String?) async throws -> RecipientPage {
        let cursor = try cursor.map { text throws(SwitchboardError) in try RecipientCursor(parsing: text) }
        guard limit > 0 else { return RecipientPage(recipients: [], nextCursor: nil) }
        let rows = try await rows(Self.pendingRecipientsQuery(channel: channel, limit: limit, after: cursor))
        let page = rows.prefix(limit)
        let recipients = try page.map { row in
            let rank = try row["top_rank"].decode(Int.self)
            guard Severity.allCases.indices.contains(rank) else {
                throw PostgresStoreError.unreadable(table: "messages", column: "severity", value: "rank \(rank)")
            }
            return PendingRecipient(
                address: try row.decodeAddress("address", table: "deliveries"),
                channel: ChannelName(rawValue: try row["channel"].decode(String.self)),
                count: try row["count"].decode(Int.self),
                oldest: try row["oldest"].decode(Date.self),
                highestSeverity: Severity.allCases[rank]
            )
        }
        guard rows.count > limit, let last = page.last else { return RecipientPage(recipients: recipients, nextCursor: nil) }
        let place = RecipientCursor(
            rank: try last["top_rank"].decode(Int.self),
            oldest: try last["oldest_epoch"].decode(Double.self),
            channel: try last["channel"].decode(String.self),
            address: try last["address"].decode(String.self)
        )
        return RecipientPage(recipients: recipients, nextCursor: place.text)
    }

    /// Reads the waiting deliveries through `deliveries_waiting` and `deliveries_lease`
    /// (`QueueSQL.waitingRecipientFilter`), never the sent ones.
    static func pendingRecipientsQuery(channel: ChannelName?, limit: Int, after cursor: RecipientCursor?) -> PostgresQuery {
        var b = QueryBuilder()
        let channelFilter = channel.map { "AND d.channel = \(b.bind($0.rawValue))" } ?? ""
        var after = ""
        if let cursor {
            let rank = b.bind(Int64(cursor.rank))
            after = """
                WHERE top_rank < \(rank) OR (top_rank = \(rank) AND (oldest_epoch, address COLLATE "C", channel COLLATE "C")
                    > (\(b.bind(cursor.oldest)), \(b.bind(cursor.address)) COLLATE "C", \(b.bind(cursor.channel)) COLLATE "C"))
                """
        }
        // One row more than asked tells whether another page exists.
        let sql = """
            SELECT * FROM (
                SELECT d.address, d.channel, COUNT(*) AS count, MIN(d.created_at) AS oldest,
                       extract(epoch FROM MIN(d.created_at))::float8 AS oldest_epoch,
                       MAX(\(QueueSQL.severityRank))::int8 AS top_rank
                FROM deliveries d JOIN messages m ON m.id = d.message_id
                WHERE \(QueueSQL.waitingRecipientFilter) \(channelFilter)
                GROUP BY d.address, d.channel
            ) g \(after)
            ORDER BY top_rank DESC, oldest_epoch, address COLLATE "C", channel COLLATE "C"
            LIMIT \(b.bind(Int64(limit + 1)))
            """
        return b.query(sql)
    }

    package func pending(address: Address, limit: Int) async throws -> [DeliveryJob] {
        let logger = self.logger
        return try await client.withConnection { connection in
            let deliveries = try await connection.rows(
                """
                SELECT d.* FROM deliveries d JOIN messages m ON m.id = d.message_id
                WHERE d.address = \(address.description) AND d.status IN \(unescaped: QueueSQL.list(QueueSQL.pendingStatuses))
                ORDER BY \(unescaped: QueueSQL.severityRank) DESC, d.created_at, d.seq LIMIT \(Int64(max(limit, 0)))
                """,
                logger: logger
            ).map(OutboxRecords.delivery)
            return try await Self.jobs(deliveries, on: connection, logger: logger)
        }
    }

    package func cancelPending(
        createdBefore before: Date,
        channel: ChannelName?,
        status: DeliveryStatus,
        reason: String,
        by actor: String
    ) async throws -> Int {
        let movable = try DeliveryStatus.cancellablePending(to: status)
        guard !movable.isEmpty else { return 0 }
        let now = Date()
        return try await client.withConnection { connection in
            try await connection.execute(
                """
                WITH old AS (
                    SELECT id, status FROM deliveries
                    WHERE status IN \(unescaped: QueueSQL.list(movable)) AND created_at < \(before)
                      AND (\(channel?.rawValue)::text IS NULL OR channel = \(channel?.rawValue))
                    FOR UPDATE
                ), moved AS (
                    UPDATE deliveries d SET status = \(status.rawValue), next_attempt_at = NULL, lease_until = NULL, updated_at = \(now)
                    FROM old WHERE d.id = old.id
                    RETURNING d.id, old.status AS from_status, d.created_at, d.seq
                )
                INSERT INTO status_changes (delivery_id, from_status, to_status, reason, actor, at)
                SELECT id, from_status, \(status.rawValue), \(reason), \(actor), \(now) FROM moved ORDER BY created_at, seq
                """,
                logger: logger
            )
        }
    }

    /// Newest change first, ties by `seq`; the cursor a row-value bound on both, the time read
    /// as seconds computed by the server (as the conversations' cursor is).
    package func deliveries(status: DeliveryStatus, limit: Int, after cursor: String?) async throws -> DeliveryPage {
        let cursor = try cursor.map { text throws(SwitchboardError) in try DeliveryCursor(parsing: text) }
        guard limit > 0 else { return DeliveryPage(deliveries: [], nextCursor: nil) }
        let rows = try await rows(Self.deliveriesQuery(status: status, limit: limit, after: cursor))
        let page = rows.prefix(limit)
        let deliveries = try page.map(OutboxRecords.delivery)
        guard rows.count > limit, let last = page.last else { return DeliveryPage(deliveries: deliveries, nextCursor: nil) }
        let place = DeliveryCursor(time: try last["updated_epoch"].decode(Double.self), seq: try last["seq"].decode(Int64.self))
        return DeliveryPage(deliveries: deliveries, nextCursor: place.text)
    }

    /// One page of `deliveries(status:)`; for `failed` and `held` (the only statuses the hub
    /// lists) a walk down `deliveries_parked`.
    static func deliveriesQuery(status: DeliveryStatus, limit: Int, after cursor: DeliveryCursor?) -> PostgresQuery {
        var b = QueryBuilder()
        // The status as a constant, so the planner sees that `deliveries_parked` holds it.
        var filter = "status = '\(status.rawValue)'"
        if let cursor {
            filter += " AND (extract(epoch FROM updated_at)::float8, seq) < (\(b.bind(cursor.time)), \(b.bind(cursor.seq)))"
        }
        let sql = """
            SELECT *, extract(epoch FROM updated_at)::float8 AS updated_epoch FROM deliveries WHERE \(filter)
            ORDER BY updated_at DESC, seq DESC LIMIT \(b.bind(Int64(limit + 1)))
            """
        return b.query(sql)
    }

    package func requeue(ids: [String]?, status: DeliveryStatus, reason: String, by actor: String, now: Date) async throws -> Int {
        guard status == .failed || status == .held else {
            throw SwitchboardError.invalid("invalid_status", "only failed or held deliveries can be requeued, not \(status.rawValue)")
        }
        if ids?.isEmpty == true { return 0 }
        let every = ids == nil
        let chosen = ids ?? []
        return try await client.withConnection { connection in
            let moved = try await connection.execute(
                """
                WITH old AS (
                    SELECT id, status FROM deliveries
                    WHERE status = \(unescaped: "'\(status.rawValue)'") AND (\(every) OR id = ANY(\(chosen)))
                    FOR UPDATE
                ), moved AS (
                    UPDATE deliveries d SET status = 'queued', attempts = 0, next_attempt_at = \(now), lease_until = NULL,
                           updated_at = \(now)
                    FROM old WHERE d.id = old.id
                    RETURNING d.id, old.status AS from_status, d.created_at, d.seq
                )
                INSERT INTO status_changes (delivery_id, from_status, to_status, reason, actor, at)
                SELECT id, from_status, 'queued', \(reason), \(actor), \(now) FROM moved ORDER BY created_at, seq
                """,
                logger: logger
            )
            if moved > 0 { try await Self.notifyQueued([""], on: connection, logger: logger) }
            return moved
        }
    }

    package func setStatus(deliveryID: String, to status: DeliveryStatus, reason: String, by actor: String, now: Date) async throws -> Delivery {
        // `sending` is the dispatcher's claim and needs a lease; set by hand it would strand
        // the delivery, so no operator may set it.
        guard status != .sending else {
            throw SwitchboardError.invalid("invalid_status", "only the dispatcher moves a delivery to sending")
        }
        let logger = self.logger
        return try await transaction { connection in
            let current = try await connection.rows("SELECT status FROM deliveries WHERE id = \(deliveryID) FOR UPDATE", logger: logger)
            guard let row = current.first else {
                throw SwitchboardError.notFound("unknown_delivery", "no delivery with id \(deliveryID)")
            }
            let from = try row.decodeEnum(DeliveryStatus.self, "status", table: "deliveries")
            guard from.canMove(to: status) else {
                throw SwitchboardError.conflict(
                    "illegal_transition",
                    "delivery \(deliveryID) is \(from.rawValue); cannot move to \(status.rawValue)"
                )
            }
            try await connection.execute(
                """
                INSERT INTO status_changes (delivery_id, from_status, to_status, reason, actor, at)
                VALUES (\(deliveryID), \(from.rawValue), \(status.rawValue), \(reason), \(actor), \(now))
                """,
                logger: logger
            )
            // Back in the queue it is due at once; anywhere else it is not due at all.
            let nextAttempt: Date? = status == .queued ? now : nil
            let updated = try await connection.rows(
                """
                UPDATE deliveries SET status = \(status.rawValue), next_attempt_at = \(nextAttempt), updated_at = \(now),
                       lease_until = NULL, last_error = CASE WHEN \(status == .failed) THEN \(reason) ELSE last_error END
                WHERE id = \(deliveryID) RETURNING *
                """,
                logger: logger
            )
            if status == .queued { try await Self.notifyQueued([""], on: connection, logger: logger) }
            return try OutboxRecords.delivery(updated[0])
        }
    }

    package func statusChanges(deliveryID: String) async throws -> [StatusChange] {
        try await rows("SELECT * FROM status_changes WHERE delivery_id = \(deliveryID) ORDER BY id").map(OutboxRecords.statusChange)
    }

    package func addDeliveries(_ deliveries: [Delivery]) async throws {
        guard !deliveries.isEmpty else { return }
        let logger = self.logger
        do {
            try await transaction { connection in
                // Appended after the message's existing deliveries, in the order given; the
                // message row is locked so two nodes adding at once do not share positions.
                var nextPosition: [String: Int] = [:]
                for delivery in deliveries {
                    let position: Int
                    if let next = nextPosition[delivery.messageID] {
                        position = next
                    } else {
                        let locked = try await connection.rows(
                            "SELECT id FROM messages WHERE id = \(delivery.messageID) FOR UPDATE",
                            logger: logger
                        )
                        guard !locked.isEmpty else {
                            throw SwitchboardError.notFound("unknown_message", "no message with id \(delivery.messageID)")
                        }
                        let last = try await connection.rows(
                            "SELECT MAX(position) AS last FROM deliveries WHERE message_id = \(delivery.messageID)",
                            logger: logger
                        )
                        position = (try last.first?["last"].decode(Int?.self) ?? -1) + 1
                    }
                    try await Self.insert(delivery, position: position, on: connection, logger: logger)
                    nextPosition[delivery.messageID] = position + 1
                }
                let queued = Set(deliveries.filter { $0.status == .queued }.map(\.messageID))
                try await Self.notifyQueued(queued.sorted(), on: connection, logger: logger)
            }
        } catch  where isUniqueViolation(error) {
            throw SwitchboardError.conflict("delivery_exists", "a delivery with one of these ids already exists")
        }
    }

    package func releaseClaims(now: Date) async throws -> Int {
        try await client.withConnection { connection in
            let released = try await connection.execute(
                """
                UPDATE deliveries SET status = 'queued', next_attempt_at = \(now), lease_until = NULL, updated_at = \(now)
                WHERE status = 'sending'
                """,
                logger: logger
            )
            if released > 0 { try await Self.notifyQueued([""], on: connection, logger: logger) }
            return released
        }
    }

    package func delivery(id: String) async throws -> Delivery? {
        try await rows("SELECT * FROM deliveries WHERE id = \(id)").first.map(OutboxRecords.delivery)
    }

    package func delivery(connector: String, receiptID: String) async throws -> Delivery? {
        try await rows(
            """
            SELECT * FROM deliveries WHERE connector = \(connector) AND receipt_id = \(receiptID)
            ORDER BY updated_at DESC, seq DESC LIMIT 1
            """
        ).first.map(OutboxRecords.delivery)
    }
}
