import Foundation
import Logging
import PostgresNIO
import SwitchboardCore

// Recording what the dispatcher did with a delivery. A batch of outcomes is one transaction;
// each item is one UPDATE that checks the move in its WHERE clause (the statuses it may come
// from), so a refused item writes nothing and raises no SQL error, and the others go on.

extension PostgresStore {
    package func finish(deliveryID: String, outcome: DeliveryOutcome, attempts: [DeliveryAttempt]) async throws -> Delivery {
        let item = DeliveryFinish(deliveryID: deliveryID, outcome: outcome, attempts: attempts)
        let logger = self.logger
        return try await transaction { connection in
            try await Self.record(item, now: Date(), on: connection, logger: logger)
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
            var results: [Result<DeliveryStatus, SwitchboardError>] = []
            results.reserveCapacity(items.count)
            for item in items {
                do {
                    try await Self.record(item, now: now, on: connection, logger: logger)
                    results.append(.success(item.outcome.status))
                } catch let error as SwitchboardError {
                    // Refused before anything of it was written: the others go on.
                    results.append(.failure(error))
                }
            }
            return results
        }
    }

    /// Checks one outcome and writes it; a refused item writes nothing.
    static func record(_ item: DeliveryFinish, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        let id = item.deliveryID
        try item.checkAttempts()
        let columns = item.columns
        let from = columns.from.map(\.rawValue)
        let changed = try await connection.execute(
            """
            UPDATE deliveries SET status = \(columns.status.rawValue), connector = COALESCE(\(columns.connector), connector),
                receipt_id = CASE WHEN \(columns.setsReceipt) THEN \(columns.receiptID) ELSE receipt_id END,
                next_attempt_at = \(columns.nextAttemptAt),
                last_error = COALESCE(\(columns.lastError), last_error),
                attempts = attempts + \(columns.countsAttempt ? 1 : 0), updated_at = \(now), lease_until = NULL
            WHERE id = \(id) AND status = ANY(\(from))
            """,
            logger: logger
        )
        if changed == 0 {
            // Only now is the row read, to say why.
            guard let row = try await connection.rows("SELECT status FROM deliveries WHERE id = \(id)", logger: logger).first else {
                throw SwitchboardError.notFound("unknown_delivery", "no delivery with id \(id)")
            }
            let raw = try row["status"].decode(String.self)
            throw SwitchboardError.conflict("illegal_transition", "delivery \(id) is \(raw); cannot move to \(columns.status.rawValue)")
        }
        for a in item.attempts {
            try await connection.execute(
                """
                INSERT INTO delivery_attempts (delivery_id, number, at, connector, outcome, error, receipt_id)
                VALUES (\(a.deliveryID), \(a.number), \(a.at), \(a.connector), \(a.outcome.rawValue), \(a.error), \(a.receiptID))
                """,
                logger: logger
            )
        }
    }
}
