import Foundation
import GRDB
import SwitchboardCore

// The operator's queue (NAV smsd's queue operations) on SQLite. Bulk changes are one
// `INSERT … SELECT` into `status_changes` and one `UPDATE` over the same filter, in one
// transaction, so the history always matches the rows moved; rows whose status may not move
// (`DeliveryStatus.canMove(to:)`) are left out of the filter, and so skipped, not refused.
extension SQLiteStore {
    /// A page of recipients with pending deliveries, most urgent first: a range scan of
    /// `deliveries_due` on status, grouped per address and channel, then cut after the cursor
    /// (every page groups all pending deliveries: the order is by aggregates).
    static func pendingRecipientsSQL(channel: Bool, cursor: Bool) -> String {
        """
        SELECT * FROM (
            SELECT d.address, d.channel, COUNT(*) AS count, MIN(d.created_at) AS oldest,
                   MAX(\(QueueSQL.severityRank)) AS top_rank
            FROM deliveries d JOIN messages m ON m.id = d.message_id
            WHERE d.status IN \(QueueSQL.list(QueueSQL.pendingStatuses))\(channel ? " AND d.channel = ?" : "")
            GROUP BY d.address, d.channel
        )\(cursor ? " WHERE top_rank < ? OR (top_rank = ? AND (oldest, address, channel) > (?, ?, ?))" : "")
        ORDER BY top_rank DESC, oldest, address, channel
        LIMIT ?
        """
    }

    /// One recipient's pending deliveries: a look-up in `deliveries_address`.
    static let pendingForAddressSQL = """
        SELECT d.* FROM deliveries d JOIN messages m ON m.id = d.message_id
        WHERE d.address = ? AND d.status IN \(QueueSQL.list(QueueSQL.pendingStatuses))
        ORDER BY \(QueueSQL.severityRank) DESC, d.created_at, d.rowid
        LIMIT ?
        """

    /// Deliveries in one status, newest change first: a reverse scan of `deliveries_updated`
    /// (whose entries end in the rowid), from the cursor on when there is one.
    static func byStatusSQL(cursor: Bool) -> String {
        "SELECT *, rowid AS row_seq FROM deliveries WHERE status = ?"
            + (cursor ? " AND (updated_at, rowid) < (?, ?)" : "") + " ORDER BY updated_at DESC, rowid DESC LIMIT ?"
    }

    /// Delivery reports: a look-up in the partial index `deliveries_receipt`.
    static let byReceiptSQL = "SELECT * FROM deliveries WHERE connector = ? AND receipt_id = ? ORDER BY updated_at DESC LIMIT 1"

    /// The rows an age sweep moves: a range scan of `deliveries_created` per status.
    static func sweepFilter(statuses: [DeliveryStatus], channel: Bool) -> String {
        "status IN \(QueueSQL.list(statuses)) AND created_at < ?" + (channel ? " AND channel = ?" : "")
    }

    package func pendingRecipients(channel: ChannelName?, limit: Int, after cursor: String?) async throws -> RecipientPage {
        let cursor = try cursor.map { text throws(SwitchboardError) in try RecipientCursor(parsing: text) }
        guard limit > 0 else { return RecipientPage(recipients: [], nextCursor: nil) }
        var arguments: StatementArguments = []
        if let channel { arguments += [channel.rawValue] }
        if let cursor { arguments += [cursor.rank, cursor.rank, cursor.oldest, cursor.address, cursor.channel] }
        // One row more than asked tells whether another page exists.
        arguments += [limit + 1]
        let sql = Self.pendingRecipientsSQL(channel: channel != nil, cursor: cursor != nil)
        return try await read { [arguments] db in
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            let recipients = try rows.prefix(limit).map { row in
                let rank: Int = try row.decode(forColumn: "top_rank")
                guard Severity.allCases.indices.contains(rank) else {
                    throw StoredValueError(table: "messages", column: "severity", value: "rank \(rank)")
                }
                return PendingRecipient(
                    address: try row.decodeAddress(forColumn: "address", table: "deliveries"),
                    channel: ChannelName(rawValue: try row.decode(forColumn: "channel")),
                    count: try row.decode(forColumn: "count"),
                    oldest: SQLDate.decode(try row.decode(Double.self, forColumn: "oldest")),
                    highestSeverity: Severity.allCases[rank]
                )
            }
            guard rows.count > limit, let last = rows.prefix(limit).last else { return RecipientPage(recipients: recipients, nextCursor: nil) }
            let place = RecipientCursor(
                rank: try last.decode(forColumn: "top_rank"),
                oldest: try last.decode(forColumn: "oldest"),
                channel: try last.decode(forColumn: "channel"),
                address: try last.decode(forColumn: "address")
            )
            return RecipientPage(recipients: recipients, nextCursor: place.text)
        }
    }

    package func pending(address: Address, limit: Int) async throws -> [DeliveryJob] {
        try await read { db in
            let deliveries = try DeliveryRow.fetchAll(db, sql: Self.pendingForAddressSQL, arguments: [address.description, max(limit, 0)])
                .map(\.delivery)
            let messages = try Self.fetchMessages(ids: deliveries.map(\.messageID), in: db)
            return try deliveries.map { delivery in
                guard let message = messages[delivery.messageID] else {
                    throw StoredValueError(table: "deliveries", column: "message_id", value: delivery.messageID)
                }
                return DeliveryJob(delivery: delivery, message: message)
            }
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
        let filter = Self.sweepFilter(statuses: movable, channel: channel != nil)
        var filterArguments: StatementArguments = [SQLDate.encode(before)]
        if let channel { filterArguments += [channel.rawValue] }
        let now = SQLDate.encode(Date())
        return try await write { [filter, filterArguments] db in
            try db.execute(
                sql: """
                    INSERT INTO status_changes (delivery_id, from_status, to_status, reason, actor, at)
                    SELECT id, status, ?, ?, ?, ? FROM deliveries WHERE \(filter) ORDER BY created_at, rowid
                    """,
                arguments: [status.rawValue, reason, actor, now] + filterArguments
            )
            try db.execute(
                sql: "UPDATE deliveries SET status = ?, next_attempt_at = NULL, lease_until = NULL, updated_at = ? WHERE \(filter)",
                arguments: [status.rawValue, now] + filterArguments
            )
            return db.changesCount
        }
    }

    package func deliveries(status: DeliveryStatus, limit: Int, after cursor: String?) async throws -> DeliveryPage {
        let cursor = try cursor.map { text throws(SwitchboardError) in try DeliveryCursor(parsing: text) }
        guard limit > 0 else { return DeliveryPage(deliveries: [], nextCursor: nil) }
        var arguments: StatementArguments = [status.rawValue]
        if let cursor { arguments += [cursor.time, cursor.seq] }
        arguments += [limit + 1]
        let sql = Self.byStatusSQL(cursor: cursor != nil)
        return try await read { [arguments] db in
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            let page = rows.prefix(limit)
            let deliveries = try page.map { try DeliveryRow(row: $0).delivery }
            guard rows.count > limit, let last = page.last else { return DeliveryPage(deliveries: deliveries, nextCursor: nil) }
            let place = DeliveryCursor(time: try last.decode(forColumn: "updated_at"), seq: try last.decode(forColumn: "row_seq"))
            return DeliveryPage(deliveries: deliveries, nextCursor: place.text)
        }
    }

    package func requeue(ids: [String]?, status: DeliveryStatus, reason: String, by actor: String, now: Date) async throws -> Int {
        guard status == .failed || status == .held else {
            throw SwitchboardError.invalid("invalid_status", "only failed or held deliveries can be requeued, not \(status.rawValue)")
        }
        // A list of ids is cut into chunks that each stay under SQLite's bound-parameter limit.
        let chunks: [[String]?] = ids.map { ids in ids.isEmpty ? [] : Array(Set(ids)).chunked(by: 500).map { Array($0) } } ?? [nil]
        let nowValue = SQLDate.encode(now)
        return try await write { db in
            var moved = 0
            for chunk in chunks {
                var filter = "status = ?"
                var filterArguments: StatementArguments = [status.rawValue]
                if let chunk {
                    filter += " AND id IN (" + Array(repeating: "?", count: chunk.count).joined(separator: ", ") + ")"
                    filterArguments += StatementArguments(chunk)
                }
                try db.execute(
                    sql: """
                        INSERT INTO status_changes (delivery_id, from_status, to_status, reason, actor, at)
                        SELECT id, status, 'queued', ?, ?, ? FROM deliveries WHERE \(filter) ORDER BY created_at, rowid
                        """,
                    arguments: [reason, actor, nowValue] + filterArguments
                )
                try db.execute(
                    sql: """
                        UPDATE deliveries SET status = 'queued', attempts = 0, next_attempt_at = ?, lease_until = NULL,
                               updated_at = ? WHERE \(filter)
                        """,
                    arguments: [nowValue, nowValue] + filterArguments
                )
                moved += db.changesCount
            }
            return moved
        }
    }

    package func setStatus(deliveryID: String, to status: DeliveryStatus, reason: String, by actor: String, now: Date) async throws -> Delivery {
        // `sending` is the dispatcher's claim and needs a lease; set by hand it would strand
        // the delivery, so no operator may set it.
        guard status != .sending else {
            throw SwitchboardError.invalid("invalid_status", "only the dispatcher moves a delivery to sending")
        }
        return try await write { db in
            guard var row = try DeliveryRow.fetchOne(db, key: deliveryID) else {
                throw SwitchboardError.notFound("unknown_delivery", "no delivery with id \(deliveryID)")
            }
            let from = row.delivery.status
            guard from.canMove(to: status) else {
                throw SwitchboardError.conflict(
                    "illegal_transition",
                    "delivery \(deliveryID) is \(from.rawValue); cannot move to \(status.rawValue)"
                )
            }
            try StatusChangeRow(StatusChange(deliveryID: deliveryID, from: from, to: status, reason: reason, actor: actor, at: now)).insert(db)
            row.delivery.status = status
            if status == .failed { row.delivery.lastError = reason }
            // Back in the queue it is due at once; anywhere else it is not due at all.
            row.delivery.nextAttemptAt = status == .queued ? now : nil
            row.delivery.updatedAt = now
            row.leaseUntil = nil
            try row.update(db)
            return DeliveryRow.stored(row.delivery)
        }
    }

    package func statusChanges(deliveryID: String) async throws -> [StatusChange] {
        try await read { db in
            try StatusChangeRow
                .filter(Column("delivery_id") == deliveryID)
                .order(Column("id"))
                .fetchAll(db)
                .map(\.change)
        }
    }

    package func addDeliveries(_ deliveries: [Delivery]) async throws {
        guard !deliveries.isEmpty else { return }
        let constraintError: (DatabaseError) -> SwitchboardError? = { error in
            error.isDuplicate ? .conflict("delivery_exists", "a delivery with one of these ids already exists") : nil
        }
        try await write(mapConstraint: constraintError) { db in
            // Appended after the message's existing deliveries, in the order given.
            var nextPosition: [String: Int] = [:]
            for delivery in deliveries {
                let position: Int
                if let next = nextPosition[delivery.messageID] {
                    position = next
                } else {
                    guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM messages WHERE id = ?)", arguments: [delivery.messageID]) == true
                    else {
                        throw SwitchboardError.notFound("unknown_message", "no message with id \(delivery.messageID)")
                    }
                    let last = try Int.fetchOne(db, sql: "SELECT MAX(position) FROM deliveries WHERE message_id = ?", arguments: [delivery.messageID])
                    position = (last ?? -1) + 1
                }
                try DeliveryRow(delivery, position: position).insert(db)
                nextPosition[delivery.messageID] = position + 1
            }
        }
    }

    package func releaseClaims(now: Date) async throws -> Int {
        let nowValue = SQLDate.encode(now)
        return try await write { db in
            try db.execute(
                sql: "UPDATE deliveries SET status = 'queued', next_attempt_at = ?, lease_until = NULL, updated_at = ? WHERE status = 'sending'",
                arguments: [nowValue, nowValue]
            )
            return db.changesCount
        }
    }

    package func delivery(id: String) async throws -> Delivery? {
        try await read { db in try DeliveryRow.fetchOne(db, key: id)?.delivery }
    }

    package func delivery(connector: String, receiptID: String) async throws -> Delivery? {
        try await read { db in
            try DeliveryRow.fetchOne(db, sql: Self.byReceiptSQL, arguments: [connector, receiptID])?.delivery
        }
    }
}
