import Foundation
import GRDB
import SwitchboardCore

// Recording what the dispatcher did with a delivery. The hot path of dispatch: a batch of
// outcomes is one transaction, and each item costs one indexed look-up, one UPDATE and one
// INSERT per attempt, all on cached statements (no SQL is generated or compiled per item).

extension SQLiteStore {
    package func finish(deliveryID: String, outcome: DeliveryOutcome, attempts: [DeliveryAttempt]) async throws -> Delivery {
        let item = DeliveryFinish(deliveryID: deliveryID, outcome: outcome, attempts: attempts)
        return try await commits.write { db in
            try Self.record(item, now: Date(), in: db)
            guard let row = try DeliveryRow.fetchOne(db, key: deliveryID) else {
                throw SwitchboardError.notFound("unknown_delivery", "no delivery with id \(deliveryID)")
            }
            return DeliveryRow.stored(row.delivery)
        }
    }

    package func finish(_ items: [DeliveryFinish]) async throws -> [Result<DeliveryStatus, SwitchboardError>] {
        guard !items.isEmpty else { return [] }
        return try await commits.write { db in
            let now = Date()
            return try items.map { item -> Result<DeliveryStatus, SwitchboardError> in
                do {
                    try Self.record(item, now: now, in: db)
                    return .success(item.outcome.status)
                } catch let error as SwitchboardError {
                    // Refused before anything of it was written: the others go on.
                    return .failure(error)
                }
            }
        }
    }

    /// Checks one outcome and writes it. A refused item writes nothing (the UPDATE that
    /// checks the move is its first write), so it needs no savepoint.
    static func record(_ item: DeliveryFinish, now: Date, in db: Database) throws {
        let id = item.deliveryID
        try item.checkAttempts()
        let columns = item.columns
        let update = try db.cachedStatement(
            sql: """
                UPDATE deliveries SET status = ?, connector = COALESCE(?, connector),
                    receipt_id = CASE WHEN ? THEN ? ELSE receipt_id END, next_attempt_at = ?,
                    last_error = COALESCE(?, last_error),
                    attempts = attempts + ?, updated_at = ?, lease_until = NULL
                WHERE id = ? AND status IN (?, ?, ?, ?)
                """
        )
        // The move is checked in the UPDATE itself (the statuses it may come from); only
        // when it changes nothing is the row read, to say why.
        var from = columns.from.map(\.rawValue)
        precondition(from.count <= 4, "finish's UPDATE binds at most four statuses to move from")
        while from.count < 4 { from.append(from.first ?? "") }
        try update.execute(arguments: [
            columns.status.rawValue, columns.connector, columns.setsReceipt, columns.receiptID, columns.nextAttemptAt.map(SQLDate.encode),
            columns.lastError, columns.countsAttempt ? 1 : 0, SQLDate.encode(now), id, from[0], from[1], from[2], from[3],
        ])
        if db.changesCount == 0 {
            let current = try db.cachedStatement(sql: "SELECT status FROM deliveries WHERE id = ?")
            guard let raw = try String.fetchOne(current, arguments: [id]) else {
                throw SwitchboardError.notFound("unknown_delivery", "no delivery with id \(id)")
            }
            throw SwitchboardError.conflict("illegal_transition", "delivery \(id) is \(raw); cannot move to \(columns.status.rawValue)")
        }
        if item.attempts.isEmpty { return }
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO delivery_attempts (delivery_id, number, at, connector, outcome, error, receipt_id)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """
        )
        for a in item.attempts {
            try insert.execute(arguments: [
                a.deliveryID, a.number, SQLDate.encode(a.at), a.connector, a.outcome.rawValue, a.error, a.receiptID,
            ])
        }
    }
}
