import Foundation
import Logging
import NIOCore
import PostgresNIO
import SwitchboardCore

// Accepting a batch (`POST /api/v1/messages/batch`) in a fixed number of statements, not a
// few per message: each table gets one `INSERT … SELECT … FROM unnest(…)` whose arrays carry
// a column each, so a batch of 1,000 costs about as many round trips as a batch of one.
//
//     look up every idempotency key at once     (only when the batch has keys)
//     INSERT messages     FROM unnest(12 arrays)
//     INSERT attachments  FROM unnest(5 arrays)  (only when there are attachments)
//     INSERT deliveries   FROM unnest(14 arrays)
//     INSERT idempotency  FROM unnest(4 arrays)  (only when there are keys)
//     one pg_notify for the batch, when any of it is queued
//
// All of it inside the caller's transaction: any refused row takes every other one back.

extension PostgresStore {
    /// Accepts `batch` on `connection` inside the caller's transaction; one acceptance per
    /// submission, in order. A submission whose key was used before replays its record.
    static func accept(batch: [Submission], on connection: PostgresConnection, logger: Logger) async throws -> [Acceptance] {
        for submission in batch {
            for delivery in submission.deliveries where delivery.messageID != submission.message.id {
                throw SwitchboardError.invalid(
                    "delivery_message_mismatch",
                    "delivery \(delivery.id) belongs to message \(delivery.messageID), not \(submission.message.id)"
                )
            }
        }
        let keys = batch.compactMap(\.idempotency)
        if Set(keys.map { [$0.scope, $0.key] }).count < keys.count {
            // One key twice in a batch: the second must see the first as committed, which only
            // the one-at-a-time path does. The hub never sends this (its keys are `K#index`).
            var acceptances: [Acceptance] = []
            for submission in batch {
                acceptances.append(try await accept(submission, on: connection, logger: logger, notify: true))
            }
            return acceptances
        }

        let replays = try await replays(batch, on: connection, logger: logger)
        let fresh = batch.indices.filter { replays[$0] == nil }.map { batch[$0] }
        try await insertMessages(fresh, on: connection, logger: logger)
        try await insertAttachments(fresh, on: connection, logger: logger)
        try await insertDeliveries(fresh, on: connection, logger: logger)
        try await insertKeys(fresh, on: connection, logger: logger)
        // One notice for the whole batch (every node's doorbell rings once at the commit), not
        // one per message: a dispatcher claims whatever is due, whoever named it.
        if fresh.contains(where: { $0.deliveries.contains { $0.status == .queued } }) {
            try await notifyQueued([""], on: connection, logger: logger)
        }
        return batch.indices.map { index in
            if let replay = replays[index] { return replay }
            let submission = batch[index]
            let record = MessageRecord(
                message: OutboxRecords.stored(submission.message),
                deliveries: submission.deliveries.map(OutboxRecords.stored),
                warnings: submission.warnings
            )
            return Acceptance(record: record, replayed: false)
        }
    }

    /// The first record of every submission whose key was used before, by index; a key used
    /// for a different request refuses the batch.
    private static func replays(_ batch: [Submission], on connection: PostgresConnection, logger: Logger) async throws -> [Int: Acceptance] {
        let keyed = batch.enumerated().compactMap { index, submission in submission.idempotency.map { (index, $0) } }
        guard !keyed.isEmpty else { return [:] }
        let rows = try await connection.rows(
            """
            SELECT k.scope, k.key, k.fingerprint, k.message_id
            FROM idempotency_keys k JOIN unnest(\(keyed.map(\.1.scope)), \(keyed.map(\.1.key))) AS q(scope, key)
              ON k.scope = q.scope AND k.key = q.key
            """,
            logger: logger
        )
        var used: [[String]: (fingerprint: String, messageID: String)] = [:]
        for row in rows {
            let name = [try row["scope"].decode(String.self), try row["key"].decode(String.self)]
            used[name] = (try row["fingerprint"].decode(String.self), try row["message_id"].decode(String.self))
        }
        var replays: [Int: Acceptance] = [:]
        for (index, key) in keyed {
            guard let first = used[[key.scope, key.key]] else { continue }
            guard first.fingerprint == key.fingerprint else {
                throw SwitchboardError.conflict(
                    "idempotency_key_reused",
                    "idempotency key '\(key.key)' was already used for a different request"
                )
            }
            guard let record = try await fetchRecord(id: first.messageID, on: connection, logger: logger) else {
                throw PostgresStoreError.unreadable(table: "idempotency_keys", column: "message_id", value: first.messageID)
            }
            replays[index] = Acceptance(record: record, replayed: true)
        }
        return replays
    }

    private static func insertMessages(_ submissions: [Submission], on connection: PostgresConnection, logger: Logger) async throws {
        guard !submissions.isEmpty else { return }
        let messages = submissions.map(\.message)
        // `text[]` of lists cannot be unnested row by row (unnest flattens every dimension):
        // each message's warnings travel as one JSON array and are unpacked per row.
        let warnings = try submissions.map { String(decoding: try JSONEncoder().encode($0.warnings), as: UTF8.self) }
        try await connection.execute(
            """
            INSERT INTO messages (id, direction, subject, text, html, severity, sender, created_at,
                                  origin_connector, origin_from, origin_to, warnings)
            SELECT id, direction, subject, text, html, severity, sender, created_at,
                   origin_connector, origin_from, origin_to, ARRAY(SELECT jsonb_array_elements_text(warnings::jsonb))
            FROM unnest(
                \(messages.map(\.id)), \(messages.map(\.direction.rawValue)), \(PostgresNullableArray(messages.map(\.subject))),
                \(messages.map(\.text)), \(PostgresNullableArray(messages.map(\.html))), \(messages.map(\.severity.rawValue)),
                \(PostgresNullableArray(messages.map(\.sender))), \(messages.map(\.createdAt)),
                \(PostgresNullableArray(messages.map { $0.origin?.connector })),
                \(PostgresNullableArray(messages.map { $0.origin?.from.description })),
                \(PostgresNullableArray(messages.map { $0.origin?.to?.description })), \(warnings)
            ) WITH ORDINALITY AS m(id, direction, subject, text, html, severity, sender, created_at,
                                   origin_connector, origin_from, origin_to, warnings, n)
            ORDER BY n
            """,
            logger: logger
        )
    }

    private static func insertAttachments(_ submissions: [Submission], on connection: PostgresConnection, logger: Logger) async throws {
        var ids: [String] = []
        var positions: [Int] = []
        var filenames: [String] = []
        var types: [String] = []
        var data: [ByteBuffer] = []
        for message in submissions.map(\.message) {
            for (position, attachment) in message.attachments.enumerated() {
                ids.append(message.id)
                positions.append(position)
                filenames.append(attachment.filename)
                types.append(attachment.contentType)
                data.append(ByteBuffer(bytes: attachment.data))
            }
        }
        guard !ids.isEmpty else { return }
        try await connection.execute(
            """
            INSERT INTO attachments (message_id, position, filename, content_type, data)
            SELECT * FROM unnest(\(ids), \(positions), \(filenames), \(types), \(data))
            """,
            logger: logger
        )
    }

    /// Deliveries in batch order: their `seq` (the claim's tie-break) follows it, as when
    /// each was inserted on its own.
    private static func insertDeliveries(_ submissions: [Submission], on connection: PostgresConnection, logger: Logger) async throws {
        let deliveries = submissions.flatMap(\.deliveries)
        guard !deliveries.isEmpty else { return }
        let positions = submissions.flatMap { Array($0.deliveries.indices) }
        try await connection.execute(
            """
            INSERT INTO deliveries (id, message_id, position, address, channel, status, attempts, next_attempt_at,
                                    pinned_connector, connector, receipt_id, last_error, created_at, updated_at)
            SELECT id, message_id, position, address, channel, status, attempts, next_attempt_at,
                   pinned_connector, connector, receipt_id, last_error, created_at, updated_at
            FROM unnest(
                \(deliveries.map(\.id)), \(deliveries.map(\.messageID)), \(positions), \(deliveries.map(\.address.description)),
                \(deliveries.map(\.channel.rawValue)), \(deliveries.map(\.status.rawValue)), \(deliveries.map(\.attempts)),
                \(PostgresNullableArray(deliveries.map(\.nextAttemptAt))), \(PostgresNullableArray(deliveries.map(\.pinnedConnector))),
                \(PostgresNullableArray(deliveries.map(\.connector))), \(PostgresNullableArray(deliveries.map(\.receiptID))),
                \(PostgresNullableArray(deliveries.map(\.lastError))), \(deliveries.map(\.createdAt)), \(deliveries.map(\.updatedAt))
            ) WITH ORDINALITY AS d(id, message_id, position, address, channel, status, attempts, next_attempt_at,
                                   pinned_connector, connector, receipt_id, last_error, created_at, updated_at, n)
            ORDER BY n
            """,
            logger: logger
        )
    }

    private static func insertKeys(_ submissions: [Submission], on connection: PostgresConnection, logger: Logger) async throws {
        let keyed = submissions.filter { $0.idempotency != nil }
        guard !keyed.isEmpty else { return }
        let keys = keyed.compactMap(\.idempotency)
        try await connection.execute(
            """
            INSERT INTO idempotency_keys (scope, key, fingerprint, message_id, created_at)
            SELECT scope, key, fingerprint, message_id, \(Date())
            FROM unnest(\(keys.map(\.scope)), \(keys.map(\.key)), \(keys.map(\.fingerprint)), \(keyed.map(\.message.id)))
                AS k(scope, key, fingerprint, message_id)
            """,
            logger: logger
        )
    }
}
