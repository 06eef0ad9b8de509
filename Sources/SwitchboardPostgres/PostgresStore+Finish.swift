import Foundation
import Logging
import PostgresNIO
import SwitchboardCore

// Recording what the dispatcher did with a delivery. A batch of outcomes is one transaction
// of a fixed number of statements, whatever its size (the dispatcher's `OutcomeRecorder`
// hands in everything that finished meanwhile, often a hundred outcomes):
//
//     UPDATE deliveries FROM unnest(one array per column)   checks each move in its WHERE
//     SELECT the status of those it did not move            (only when one was refused)
//     INSERT delivery_attempts FROM unnest(…)               (only when there are attempts)
//
// A refused item (a move its status does not allow, an unknown delivery) writes nothing and
// raises no SQL error, and the others go on, as when each was its own UPDATE.

extension PostgresStore {
    package func finish(deliveryID: String, outcome: DeliveryOutcome, attempts: [DeliveryAttempt]) async throws -> Delivery {
        let item = DeliveryFinish(deliveryID: deliveryID, outcome: outcome, attempts: attempts)
        let logger = self.logger
        return try await transaction { connection in
            if case .failure(let error) = try await Self.record([item], now: Date(), on: connection, logger: logger)[0] {
                throw error
            }
            guard let row = try await connection.rows("SELECT * FROM deliveries WHERE id = \(deliveryID)", logger: logger).first else {
                throw SwitchboardError.notFound("unknown_delivery", "no delivery with id \(deliveryID)")
            }
            return try OutboxRecords.delivery(row)
        }
    }

    package func finish(_ items: [DeliveryFinish]) async throws -> [Result<DeliveryStatus, SwitchboardError>] {
        guard !items.isEmpty else { return [] }
        let logger = self.logger
        return try await transaction { connection in
            let now = Date()
            guard Set(items.map(\.deliveryID)).count == items.count else {
                // One delivery twice: the second must see the first's move, which only one
                // statement per item does. The dispatcher never sends this (one outcome per claim).
                var results: [Result<DeliveryStatus, SwitchboardError>] = []
                for item in items { results.append(contentsOf: try await Self.record([item], now: now, on: connection, logger: logger)) }
                return results
            }
            return try await Self.record(items, now: now, on: connection, logger: logger)
        }
    }

    /// Checks and writes `items` (distinct deliveries) in the statements listed above; one
    /// result per item, in order. A refused item writes nothing.
    static func record(
        _ items: [DeliveryFinish],
        now: Date,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [Result<DeliveryStatus, SwitchboardError>] {
        var results: [Result<DeliveryStatus, SwitchboardError>?] = items.map { item in
            do throws(SwitchboardError) {
                try item.checkAttempts()
                return nil
            } catch {
                return .failure(error)
            }
        }
        let checked = items.indices.filter { results[$0] == nil }
        guard !checked.isEmpty else { return results.map { $0! } }
        let moved = try await update(checked.map { items[$0] }, now: now, on: connection, logger: logger)
        let refused = checked.filter { !moved.contains(items[$0].deliveryID) }
        let statuses = try await statuses(refused.map { items[$0].deliveryID }, on: connection, logger: logger)
        for index in checked {
            let item = items[index]
            guard moved.contains(item.deliveryID) else {
                let id = item.deliveryID
                guard let raw = statuses[id] else {
                    results[index] = .failure(.notFound("unknown_delivery", "no delivery with id \(id)"))
                    continue
                }
                let to = item.outcome.status.rawValue
                results[index] = .failure(.conflict("illegal_transition", "delivery \(id) is \(raw); cannot move to \(to)"))
                continue
            }
            results[index] = .success(item.outcome.status)
        }
        try await insertAttempts(
            checked.filter { moved.contains(items[$0].deliveryID) }.flatMap { items[$0].attempts },
            on: connection,
            logger: logger
        )
        return results.map { $0! }
    }

    /// One UPDATE for every item; each row moves only from a status its outcome allows.
    /// Returns the ids it moved.
    private static func update(_ items: [DeliveryFinish], now: Date, on connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        let columns = items.map(\.columns)
        // `text[]` of lists cannot be unnested row by row: each item's allowed statuses travel
        // as one comma-separated text (status names have no comma).
        let from = columns.map { $0.from.map(\.rawValue).joined(separator: ",") }
        let rows = try await connection.rows(
            """
            UPDATE deliveries d SET status = o.status, connector = COALESCE(o.connector, d.connector),
                receipt_id = CASE WHEN o.sets_receipt THEN o.receipt_id ELSE d.receipt_id END,
                next_attempt_at = o.next_attempt_at,
                last_error = COALESCE(o.last_error, d.last_error),
                attempts = d.attempts + o.counts, updated_at = \(now), lease_until = NULL
            FROM unnest(
                \(items.map(\.deliveryID)), \(columns.map(\.status.rawValue)), \(PostgresNullableArray(columns.map(\.connector))),
                \(columns.map(\.setsReceipt)), \(PostgresNullableArray(columns.map(\.receiptID))),
                \(PostgresNullableArray(columns.map(\.nextAttemptAt))), \(PostgresNullableArray(columns.map(\.lastError))),
                \(columns.map { $0.countsAttempt ? 1 : 0 }), \(from)
            ) AS o(id, status, connector, sets_receipt, receipt_id, next_attempt_at, last_error, counts, from_statuses)
            WHERE d.id = o.id AND d.status = ANY(string_to_array(o.from_statuses, ','))
            RETURNING d.id
            """,
            logger: logger
        )
        var moved = Set<String>()
        for row in rows { moved.insert(try row["id"].decode(String.self)) }
        return moved
    }

    /// The status of each delivery in `ids` that exists, to say why its move was refused.
    private static func statuses(_ ids: [String], on connection: PostgresConnection, logger: Logger) async throws -> [String: String] {
        guard !ids.isEmpty else { return [:] }
        var statuses: [String: String] = [:]
        for row in try await connection.rows("SELECT id, status FROM deliveries WHERE id = ANY(\(ids))", logger: logger) {
            statuses[try row["id"].decode(String.self)] = try row["status"].decode(String.self)
        }
        return statuses
    }

    /// One INSERT for every attempt, in order (their ids follow it, as `attempts(deliveryID:)` reads them).
    private static func insertAttempts(_ attempts: [DeliveryAttempt], on connection: PostgresConnection, logger: Logger) async throws {
        guard !attempts.isEmpty else { return }
        try await connection.execute(
            """
            INSERT INTO delivery_attempts (delivery_id, number, at, connector, outcome, error, receipt_id)
            SELECT delivery_id, number, at, connector, outcome, error, receipt_id
            FROM unnest(
                \(attempts.map(\.deliveryID)), \(attempts.map(\.number)), \(attempts.map(\.at)), \(attempts.map(\.connector)),
                \(attempts.map(\.outcome.rawValue)), \(PostgresNullableArray(attempts.map(\.error))),
                \(PostgresNullableArray(attempts.map(\.receiptID)))
            ) WITH ORDINALITY AS a(delivery_id, number, at, connector, outcome, error, receipt_id, n)
            ORDER BY n
            """,
            logger: logger
        )
    }
}
