import Foundation
import GRDB
import SwitchboardCore

extension SQLiteStore {
    package func accept(_ submission: Submission) async throws -> Acceptance {
        do {
            return try await commits.write { db in try Self.accept(submission, in: db) }
        } catch let error as DatabaseError where error.isDuplicate && submission.idempotency != nil {
            // A safety net: writes here are serialised and `BEGIN IMMEDIATE` keeps other
            // processes out between look-up and insert, but should another connection ever
            // commit the same key first, run again: the look-up then replays or refuses.
            do {
                return try await commits.write { db in try Self.accept(submission, in: db) }
            } catch let error as DatabaseError where error.isDuplicate {
                throw Self.duplicateMessage(submission)
            }
        } catch let error as DatabaseError where error.isDuplicate {
            throw Self.duplicateMessage(submission)
        }
    }

    package func accept(batch: [Submission]) async throws -> [Acceptance] {
        guard !batch.isEmpty else { return [] }
        do {
            // Inside one job of the group commit: a refused submission throws, and the job's
            // savepoint (or the transaction, when it runs alone) takes every other one back.
            return try await commits.write { db in try batch.map { try Self.accept($0, in: db) } }
        } catch let error as DatabaseError where error.isDuplicate {
            throw SwitchboardError.conflict("message_exists", "a message or delivery of the batch already exists")
        }
    }

    private static func duplicateMessage(_ submission: Submission) -> SwitchboardError {
        .conflict("message_exists", "a message or delivery with id \(submission.message.id) already exists")
    }

    /// Accepts one submission inside a write (shared with a conversation turn's replies);
    /// `leaseUntil` is the lease of deliveries given `sending` (a turn's claimed replies).
    static func accept(_ submission: Submission, in db: Database, leaseUntil: Date? = nil) throws -> Acceptance {
        if let key = submission.idempotency {
            let existing = try Row.fetchOne(
                db,
                sql: #"SELECT fingerprint, message_id FROM idempotency_keys WHERE scope = ? AND "key" = ?"#,
                arguments: [key.scope, key.key]
            )
            if let existing {
                let fingerprint: String = try existing.decode(forColumn: "fingerprint")
                guard fingerprint == key.fingerprint else {
                    throw SwitchboardError.conflict(
                        "idempotency_key_reused",
                        "idempotency key '\(key.key)' was already used for a different request"
                    )
                }
                let messageID: String = try existing.decode(forColumn: "message_id")
                guard let record = try fetchRecord(id: messageID, in: db) else {
                    throw StoredValueError(table: "idempotency_keys", column: "message_id", value: messageID)
                }
                return Acceptance(record: record, replayed: true)
            }
        }

        let message = submission.message
        for delivery in submission.deliveries where delivery.messageID != message.id {
            throw SwitchboardError.invalid(
                "delivery_message_mismatch",
                "delivery \(delivery.id) belongs to message \(delivery.messageID), not \(message.id)"
            )
        }
        try insert(message, warnings: submission.warnings, in: db)
        for (position, delivery) in submission.deliveries.enumerated() {
            try DeliveryRow(delivery, position: position, leaseUntil: delivery.status == .sending ? leaseUntil : nil).insertCached(db)
        }
        if let key = submission.idempotency {
            try db.execute(
                sql: #"INSERT INTO idempotency_keys (scope, "key", fingerprint, message_id, created_at) VALUES (?, ?, ?, ?, ?)"#,
                arguments: [key.scope, key.key, key.fingerprint, message.id, SQLDate.encode(Date())]
            )
        }
        let record = MessageRecord(
            message: MessageRow.stored(message),
            deliveries: submission.deliveries.map(DeliveryRow.stored),
            warnings: submission.warnings
        )
        return Acceptance(record: record, replayed: false)
    }

    /// Inserts a message row and its attachments (shared with the inbound path).
    static func insert(_ message: Message, warnings: [String], in db: Database) throws {
        try MessageRow(message, warnings: warnings).insertCached(db)
        for (position, attachment) in message.attachments.enumerated() {
            try AttachmentRow(messageID: message.id, position: position, attachment: attachment).insert(db)
        }
    }

    package func message(id: String) async throws -> MessageRecord? {
        try await read { db in try Self.fetchRecord(id: id, in: db) }
    }

    static func fetchRecord(id: String, in db: Database) throws -> MessageRecord? {
        guard let row = try MessageRow.fetchOne(db, key: id) else { return nil }
        var message = row.message
        message.attachments = try fetchAttachments(messageIDs: [id], in: db)[id] ?? []
        let deliveries =
            try DeliveryRow
            .filter(Column("message_id") == id)
            .order(Column("position"))
            .fetchAll(db)
            .map(\.delivery)
        return MessageRecord(message: message, deliveries: deliveries, warnings: row.warnings)
    }

    /// Loads many messages with their attachments in two queries per 500 ids, not two per message.
    static func fetchMessages(ids: some Collection<String>, in db: Database) throws -> [String: Message] {
        let unique = Array(Set(ids))
        var messages: [String: Message] = [:]
        for chunk in unique.chunked(by: 500) {
            for row in try MessageRow.fetchAll(db, keys: Array(chunk)) { messages[row.message.id] = row.message }
        }
        for (id, attachments) in try fetchAttachments(messageIDs: unique, in: db) {
            messages[id]?.attachments = attachments
        }
        return messages
    }

    static func fetchAttachments(messageIDs: [String], in db: Database) throws -> [String: [Attachment]] {
        var result: [String: [Attachment]] = [:]
        for chunk in messageIDs.chunked(by: 500) {
            let rows =
                try AttachmentRow
                .filter(Array(chunk).contains(Column("message_id")))
                .order(Column("message_id"), Column("position"))
                .fetchAll(db)
            for row in rows { result[row.messageID, default: []].append(row.attachment) }
        }
        return result
    }

    /// Queued deliveries whose time has come, oldest first: a range scan of `deliveries_due`
    /// (named, so the planner cannot prefer a status index and sort; a missing or unusable
    /// index is then an error, not a slow scan).
    static let dueQueuedSQL = """
        SELECT * FROM deliveries INDEXED BY deliveries_due WHERE status = 'queued' AND next_attempt_at <= ?
        ORDER BY next_attempt_at LIMIT ?
        """
    /// Claims whose worker died: a range scan of `deliveries_lease`.
    static let expiredLeasesSQL = """
        SELECT * FROM deliveries INDEXED BY deliveries_lease WHERE status = 'sending' AND lease_until <= ?
        ORDER BY lease_until LIMIT ?
        """

    package func claimDue(limit: Int, now: Date, leaseUntil: Date) async throws -> [DeliveryJob] {
        guard limit > 0 else { return [] }
        return try await commits.write { db in
            let nowValue = SQLDate.encode(now)
            // Two index range scans (status, time) instead of one OR that would scan the table;
            // cached statements: a claim runs for every reply sent.
            let queued = try DeliveryRow.fetchAll(db.cachedStatement(sql: Self.dueQueuedSQL), arguments: [nowValue, limit])
            let expired = try DeliveryRow.fetchAll(db.cachedStatement(sql: Self.expiredLeasesSQL), arguments: [nowValue, limit])
            let due = (queued + expired)
                .enumerated()
                .sorted { a, b in
                    let ta = a.element.delivery.nextAttemptAt ?? a.element.leaseUntil ?? .distantPast
                    let tb = b.element.delivery.nextAttemptAt ?? b.element.leaseUntil ?? .distantPast
                    return ta != tb ? ta < tb : a.offset < b.offset
                }
                .prefix(limit)
                .map(\.element.delivery)
            guard !due.isEmpty else { return [] }

            let leaseValue = SQLDate.encode(leaseUntil)
            for chunk in due.map(\.id).chunked(by: 500) {
                try db.execute(
                    literal: """
                        UPDATE deliveries SET status = 'sending', lease_until = \(leaseValue), updated_at = \(nowValue)
                        WHERE id IN \(Array(chunk))
                        """
                )
            }
            let messages = try Self.fetchMessages(ids: due.map(\.messageID), in: db)
            return try due.map { delivery in
                var claimed = delivery
                claimed.status = .sending
                claimed.updatedAt = SQLDate.decode(nowValue)
                guard let message = messages[delivery.messageID] else {
                    throw StoredValueError(table: "deliveries", column: "message_id", value: delivery.messageID)
                }
                return DeliveryJob(delivery: claimed, message: message)
            }
        }
    }

    package func extendLeases(ids: [String], until: Date) async throws {
        guard !ids.isEmpty else { return }
        try await commits.write { db in
            let untilValue = SQLDate.encode(until)
            for chunk in ids.chunked(by: 500) {
                try db.execute(
                    literal: "UPDATE deliveries SET lease_until = \(untilValue) WHERE status = 'sending' AND id IN \(Array(chunk))"
                )
            }
        }
    }

    package func attempts(deliveryID: String) async throws -> [DeliveryAttempt] {
        try await read { db in
            try AttemptRow
                .filter(Column("delivery_id") == deliveryID)
                .order(Column("id"))
                .fetchAll(db)
                .map(\.attempt)
        }
    }

    package func nextDue() async throws -> Date? {
        try await read { db in
            // A `sending` delivery whose worker died is due again when its lease runs out.
            let value = try Double.fetchOne(
                db,
                sql: """
                    SELECT MIN(t) FROM (
                        SELECT MIN(next_attempt_at) AS t FROM deliveries INDEXED BY deliveries_due WHERE status = 'queued'
                        UNION ALL
                        SELECT MIN(lease_until) AS t FROM deliveries INDEXED BY deliveries_lease WHERE status = 'sending'
                    )
                    """
            )
            return SQLDate.decodeIfPresent(value)
        }
    }
}

extension SQLiteStore {
    package func latestUserSender(to address: Address, since: Date) async throws -> String? {
        let addressText = address.description
        let sinceValue = SQLDate.encode(since)
        return try await read { db in
            try String.fetchOne(
                db,
                sql: """
                    SELECT m.sender FROM deliveries d JOIN messages m ON m.id = d.message_id
                    WHERE d.address = ? AND m.direction = 'outbound' AND m.created_at >= ?
                      AND m.sender IS NOT NULL AND instr(m.sender, ':') = 0
                    ORDER BY m.created_at DESC LIMIT 1
                    """,
                arguments: [addressText, sinceValue]
            )
        }
    }
}
