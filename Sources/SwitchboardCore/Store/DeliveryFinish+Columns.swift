import Foundation

extension DeliveryFinish {
    /// What an outcome writes on its delivery: the one mapping every store applies, as SQL
    /// (SQLite, PostgreSQL) or to the value (`MemoryStore`), so that no store can record an
    /// outcome differently from another.
    package struct Columns: Sendable, Equatable {
        package var status: DeliveryStatus
        /// The connector that sent, or the last one tried; `nil` keeps the stored one.
        package var connector: String?
        /// Only a send sets the receipt (to its id, which may be none); anything else keeps it.
        package var setsReceipt: Bool
        package var receiptID: String?
        /// Always written: when a retry is due, `nil` for every other outcome.
        package var nextAttemptAt: Date?
        /// Why it was not sent; `nil` (a send) keeps the previous error, for the record.
        package var lastError: String?
        /// One dispatch round counts one attempt, however many connectors of the route it
        /// tried; an outcome without attempts (never tried, put back) counts none.
        package var countsAttempt: Bool
        /// The statuses the delivery may move from; a store refuses the move from any other.
        package var from: [DeliveryStatus]

        /// Writes these columns on `delivery`, as the SQL stores' UPDATE does on the row.
        package func apply(to delivery: inout Delivery, now: Date) {
            delivery.status = status
            if let connector { delivery.connector = connector }
            if setsReceipt { delivery.receiptID = receiptID }
            delivery.nextAttemptAt = nextAttemptAt
            if let lastError { delivery.lastError = lastError }
            if countsAttempt { delivery.attempts += 1 }
            delivery.updatedAt = now
        }
    }

    /// The columns this outcome writes.
    package var columns: Columns {
        let status = outcome.status
        var columns = Columns(
            status: status,
            setsReceipt: false,
            countsAttempt: !attempts.isEmpty,
            from: DeliveryStatus.allCases.filter { $0.canMove(to: status) }
        )
        switch outcome {
        case .sent(let connector, let receiptID):
            columns.connector = connector
            columns.setsReceipt = true
            columns.receiptID = receiptID
        case .retry(let at, let connector, let error):
            columns.connector = connector
            columns.nextAttemptAt = at
            columns.lastError = error
        case .failed(let connector, let error):
            columns.connector = connector
            columns.lastError = error
        case .held(let error): columns.lastError = error
        case .ignored(let reason): columns.lastError = reason
        }
        return columns
    }

    /// Refuses attempts recorded for another delivery, before anything is written.
    package func checkAttempts() throws(SwitchboardError) {
        for attempt in attempts where attempt.deliveryID != deliveryID {
            throw SwitchboardError.invalid("attempt_mismatch", "attempt is for delivery \(attempt.deliveryID), not \(deliveryID)")
        }
    }
}
