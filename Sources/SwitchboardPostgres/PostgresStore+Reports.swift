import Foundation
import PostgresNIO
import SwitchboardCore

// Delivery reports that move nothing: kept in the status history, checked against the status
// in the same transaction (the row locked), so a report that lost a race records nothing.
extension PostgresStore: DeliveryReportStore {
    package func noteStatus(deliveryID: String, ifStatus status: DeliveryStatus, reason: String, by actor: String, now: Date) async throws -> Delivery
    {
        let logger = self.logger
        return try await transaction { connection in
            guard let row = try await connection.rows("SELECT * FROM deliveries WHERE id = \(deliveryID) FOR UPDATE", logger: logger).first
            else {
                throw SwitchboardError.notFound("unknown_delivery", "no delivery with id \(deliveryID)")
            }
            let delivery = try OutboxRecords.delivery(row)
            guard delivery.status == status else { return delivery }
            try await connection.execute(
                """
                INSERT INTO status_changes (delivery_id, from_status, to_status, reason, actor, at)
                VALUES (\(deliveryID), \(status.rawValue), \(status.rawValue), \(reason), \(actor), \(now))
                """,
                logger: logger
            )
            return delivery
        }
    }
}
