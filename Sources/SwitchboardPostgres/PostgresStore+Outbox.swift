import Foundation
import Logging
import PostgresNIO
import SwitchboardCore

// The outbox on PostgreSQL: accepting messages (concurrent single accepts share a transaction,
// `+GroupedAccept`; a batch is one, whose statements are in `+BatchAccept`) and the dispatcher's claims. Several nodes claim from the
// same table: a claim locks the rows it takes with `FOR UPDATE SKIP LOCKED`, so two nodes
// never take one delivery, and neither waits for the other; the lease it writes keeps the
// delivery out of every other claim until it runs out, exactly as on SQLite.

extension PostgresStore: OutboxStore {
    /// Accepts one submission in a transaction shared with every other `accept(_:)` waiting at
    /// that moment (see `PostgresStore+GroupedAccept`); returns once that transaction committed.
    package func accept(_ submission: Submission) async throws -> Acceptance {
        try await acceptGroups.submit(submission).get()
    }

    /// Accepts one submission in a transaction of its own: the grouped accept's batch of one,
    /// and its fallback when a group was refused.
    static func acceptAlone(_ submission: Submission, client: PostgresClient, logger: Logger) async throws -> Acceptance {
        do {
            return try await transaction(client: client, logger: logger) { connection in
                try await accept(submission, on: connection, logger: logger)
            }
        } catch  where isUniqueViolation(error) && submission.idempotency != nil {
            // Another node (or connection) committed the same key between our look-up and our
            // insert, and our insert waited for it: run again, and the look-up replays or refuses.
            do {
                return try await transaction(client: client, logger: logger) { connection in
                    try await accept(submission, on: connection, logger: logger)
                }
            } catch  where isUniqueViolation(error) {
                throw duplicateMessage(submission)
            }
        } catch  where isUniqueViolation(error) {
            throw duplicateMessage(submission)
        }
    }

    package func accept(batch: [Submission]) async throws -> [Acceptance] {
        guard !batch.isEmpty else { return [] }
        let logger = self.logger
        // One transaction (see `PostgresStore+BatchAccept`): a refused submission throws and
        // takes every other one back.
        do {
            return try await transaction { connection in try await Self.accept(batch: batch, on: connection, logger: logger) }
        } catch  where isUniqueViolation(error) && batch.contains(where: { $0.idempotency != nil }) {
            // As for one message: another node committed one of the keys between our look-up
            // and our insert; run again, and the look-up replays or refuses.
            do {
                return try await transaction { connection in try await Self.accept(batch: batch, on: connection, logger: logger) }
            } catch  where isUniqueViolation(error) {
                throw Self.duplicateBatch
            }
        } catch  where isUniqueViolation(error) {
            throw Self.duplicateBatch
        }
    }

    private static var duplicateBatch: SwitchboardError {
        .conflict("message_exists", "a message or delivery of the batch already exists")
    }

    private static func duplicateMessage(_ submission: Submission) -> SwitchboardError {
        .conflict("message_exists", "a message or delivery with id \(submission.message.id) already exists")
    }

    /// Accepts one submission inside a transaction (shared with a conversation turn's replies);
    /// with `notify`, every node's doorbell hears of its queued deliveries at commit.
    /// `leaseUntil` is the lease of deliveries given `sending` (a turn's claimed replies).
    static func accept(
        _ submission: Submission,
        on connection: PostgresConnection,
        logger: Logger,
        notify: Bool = true,
        leaseUntil: Date? = nil
    ) async throws -> Acceptance {
        if let key = submission.idempotency {
            let existing = try await connection.rows(
                "SELECT fingerprint, message_id FROM idempotency_keys WHERE scope = \(key.scope) AND key = \(key.key)",
                logger: logger
            )
            if let row = existing.first {
                guard try row["fingerprint"].decode(String.self) == key.fingerprint else {
                    throw SwitchboardError.conflict(
                        "idempotency_key_reused",
                        "idempotency key '\(key.key)' was already used for a different request"
                    )
                }
                let messageID = try row["message_id"].decode(String.self)
                guard let record = try await fetchRecord(id: messageID, on: connection, logger: logger) else {
                    throw PostgresStoreError.unreadable(table: "idempotency_keys", column: "message_id", value: messageID)
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
        try await insert(message, warnings: submission.warnings, on: connection, logger: logger)
        for (position, delivery) in submission.deliveries.enumerated() {
            try await insert(delivery, position: position, leaseUntil: delivery.status == .sending ? leaseUntil : nil, on: connection, logger: logger)
        }
        if let key = submission.idempotency {
            try await connection.execute(
                """
                INSERT INTO idempotency_keys (scope, key, fingerprint, message_id, created_at)
                VALUES (\(key.scope), \(key.key), \(key.fingerprint), \(message.id), \(Date()))
                """,
                logger: logger
            )
        }
        if notify && submission.deliveries.contains(where: { $0.status == .queued }) {
            try await notifyQueued([message.id], on: connection, logger: logger)
        }
        let record = MessageRecord(
            message: OutboxRecords.stored(message),
            deliveries: submission.deliveries.map(OutboxRecords.stored),
            warnings: submission.warnings
        )
        return Acceptance(record: record, replayed: false)
    }

    /// Rings every node's `PostgresDoorbell` when the surrounding transaction commits; the
    /// payloads are `messageIDs` (an empty one when there is no single message to name).
    static func notifyQueued(_ messageIDs: [String], on connection: PostgresConnection, logger: Logger) async throws {
        guard !messageIDs.isEmpty else { return }
        try await connection.execute(
            "SELECT pg_notify(\(PostgresDoorbell.channel), id) FROM unnest(\(messageIDs)) AS id",
            logger: logger
        )
    }

    /// Inserts a message row and its attachments (shared with the inbound path).
    static func insert(_ message: Message, warnings: [String], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.execute(
            """
            INSERT INTO messages (id, direction, subject, text, html, severity, sender, created_at,
                                  origin_connector, origin_from, origin_to, warnings)
            VALUES (\(message.id), \(message.direction.rawValue), \(message.subject), \(message.text), \(message.html),
                    \(message.severity.rawValue), \(message.sender), \(message.createdAt), \(message.origin?.connector),
                    \(message.origin?.from.description), \(message.origin?.to?.description), \(warnings))
            """,
            logger: logger
        )
        for (position, attachment) in message.attachments.enumerated() {
            try await connection.execute(
                try """
                INSERT INTO attachments (message_id, position, filename, content_type, data)
                VALUES (\(message.id), \(position), \(attachment.filename), \(attachment.contentType), \(attachment.data))
                """,
                logger: logger
            )
        }
    }

    /// Inserts one delivery at `position` within its message (with its claim's lease, when
    /// it is committed claimed).
    static func insert(
        _ delivery: Delivery,
        position: Int,
        leaseUntil: Date? = nil,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.execute(
            """
            INSERT INTO deliveries (id, message_id, position, address, channel, status, attempts, next_attempt_at,
                                    pinned_connector, connector, receipt_id, last_error, created_at, updated_at, lease_until)
            VALUES (\(delivery.id), \(delivery.messageID), \(position), \(delivery.address.description),
                    \(delivery.channel.rawValue), \(delivery.status.rawValue), \(delivery.attempts), \(delivery.nextAttemptAt),
                    \(delivery.pinnedConnector), \(delivery.connector), \(delivery.receiptID), \(delivery.lastError),
                    \(delivery.createdAt), \(delivery.updatedAt), \(leaseUntil))
            """,
            logger: logger
        )
    }

    package func message(id: String) async throws -> MessageRecord? {
        let logger = self.logger
        return try await client.withConnection { connection in try await Self.fetchRecord(id: id, on: connection, logger: logger) }
    }

    static func fetchRecord(id: String, on connection: PostgresConnection, logger: Logger) async throws -> MessageRecord? {
        guard let row = try await connection.rows("SELECT * FROM messages WHERE id = \(id)", logger: logger).first else { return nil }
        var (message, warnings) = try OutboxRecords.message(row)
        message.attachments = try await fetchAttachments(messageIDs: [id], on: connection, logger: logger)[id] ?? []
        let deliveries = try await connection.rows(
            "SELECT * FROM deliveries WHERE message_id = \(id) ORDER BY position, seq",
            logger: logger
        ).map(OutboxRecords.delivery)
        return MessageRecord(message: message, deliveries: deliveries, warnings: warnings)
    }

    /// Loads many messages with their attachments in two queries, not two per message.
    static func fetchMessages(ids: some Collection<String>, on connection: PostgresConnection, logger: Logger) async throws -> [String: Message] {
        let unique = Array(Set(ids))
        guard !unique.isEmpty else { return [:] }
        var messages: [String: Message] = [:]
        for row in try await connection.rows("SELECT * FROM messages WHERE id = ANY(\(unique))", logger: logger) {
            let message = try OutboxRecords.message(row).message
            messages[message.id] = message
        }
        for (id, attachments) in try await fetchAttachments(messageIDs: unique, on: connection, logger: logger) {
            messages[id]?.attachments = attachments
        }
        return messages
    }

    static func fetchAttachments(messageIDs: [String], on connection: PostgresConnection, logger: Logger) async throws -> [String: [Attachment]] {
        var result: [String: [Attachment]] = [:]
        let rows = try await connection.rows(
            "SELECT * FROM attachments WHERE message_id = ANY(\(messageIDs)) ORDER BY message_id, position",
            logger: logger
        )
        for row in rows {
            let attachment = Attachment(
                filename: try row["filename"].decode(String.self),
                contentType: try row["content_type"].decode(String.self),
                data: try row["data"].decode(Data.self)
            )
            result[try row["message_id"].decode(String.self), default: []].append(attachment)
        }
        return result
    }

    /// Joins deliveries to their messages, or names the one whose message is missing.
    static func jobs(_ deliveries: [Delivery], on connection: PostgresConnection, logger: Logger) async throws -> [DeliveryJob] {
        let messages = try await fetchMessages(ids: deliveries.map(\.messageID), on: connection, logger: logger)
        return try deliveries.map { delivery in
            guard let message = messages[delivery.messageID] else {
                throw PostgresStoreError.unreadable(table: "deliveries", column: "message_id", value: delivery.messageID)
            }
            return DeliveryJob(delivery: delivery, message: message)
        }
    }

    package func attempts(deliveryID: String) async throws -> [DeliveryAttempt] {
        try await rows("SELECT * FROM delivery_attempts WHERE delivery_id = \(deliveryID) ORDER BY id").map(OutboxRecords.attempt)
    }

    package func nextDue() async throws -> Date? {
        // A `sending` delivery whose worker died is due again when its lease runs out.
        let rows = try await rows(
            """
            SELECT LEAST(
                (SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'queued'),
                (SELECT MIN(lease_until) FROM deliveries WHERE status = 'sending')
            ) AS t
            """
        )
        return try rows.first?["t"].decode(Date?.self)
    }

    package func latestUserSender(to address: Address, since: Date) async throws -> String? {
        let rows = try await rows(
            """
            SELECT m.sender FROM deliveries d JOIN messages m ON m.id = d.message_id
            WHERE d.address = \(address.description) AND m.direction = 'outbound' AND m.created_at >= \(since)
              AND m.sender IS NOT NULL AND strpos(m.sender, ':') = 0
            ORDER BY m.created_at DESC LIMIT 1
            """
        )
        return try rows.first?["sender"].decode(String.self)
    }
}
