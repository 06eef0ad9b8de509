import Foundation
import Logging
import PostgresNIO
import SwitchboardCore

// One message's deliveries a page at a time (a range of `deliveries_message`), and their
// counts by status in one statement.
extension PostgresStore {
    package func messageWithoutDeliveries(id: String) async throws -> MessageRecord? {
        let logger = self.logger
        return try await client.withConnection { connection in
            guard let row = try await connection.rows("SELECT * FROM messages WHERE id = \(id)", logger: logger).first else {
                return nil
            }
            var (message, warnings) = try OutboxRecords.message(row)
            message.attachments = try await Self.fetchAttachments(messageIDs: [id], on: connection, logger: logger)[id] ?? []
            return MessageRecord(message: message, deliveries: [], warnings: warnings)
        }
    }

    package func deliveries(messageID: String, limit: Int, after cursor: String?) async throws -> DeliveryPage {
        let cursor = try cursor.map { text throws(SwitchboardError) in try PositionCursor(parsing: text) }
        guard limit > 0 else { return DeliveryPage(deliveries: [], nextCursor: nil) }
        let after = cursor?.position ?? -1
        let rows = try await rows(
            """
            SELECT * FROM deliveries WHERE message_id = \(messageID) AND position > \(after)
            ORDER BY position LIMIT \(Int64(limit + 1))
            """
        )
        let page = rows.prefix(limit)
        let deliveries = try page.map(OutboxRecords.delivery)
        guard rows.count > limit, let last = page.last else { return DeliveryPage(deliveries: deliveries, nextCursor: nil) }
        let position = try last["position"].decode(Int64.self)
        return DeliveryPage(deliveries: deliveries, nextCursor: PositionCursor(position: position).text)
    }

    package func deliveryCounts(messageID: String) async throws -> [DeliveryStatus: Int] {
        let rows = try await rows("SELECT status, COUNT(*)::int8 AS n FROM deliveries WHERE message_id = \(messageID) GROUP BY status")
        var counts: [DeliveryStatus: Int] = [:]
        for row in rows {
            guard let status = DeliveryStatus(rawValue: try row["status"].decode(String.self)) else { continue }
            counts[status] = Int(try row["n"].decode(Int64.self))
        }
        return counts
    }
}
