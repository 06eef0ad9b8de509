import Foundation
import GRDB
import SwitchboardCore

// One message's deliveries a page at a time (a range of `deliveries_message`), and their
// counts by status in one statement.
extension SQLiteStore {
    package func messageWithoutDeliveries(id: String) async throws -> MessageRecord? {
        try await read { db in
            guard let row = try MessageRow.fetchOne(db, key: id) else { return nil }
            var message = row.message
            message.attachments = try Self.fetchAttachments(messageIDs: [id], in: db)[id] ?? []
            return MessageRecord(message: message, deliveries: [], warnings: row.warnings)
        }
    }

    package func deliveries(messageID: String, limit: Int, after cursor: String?) async throws -> DeliveryPage {
        let cursor = try cursor.map { text throws(SwitchboardError) in try PositionCursor(parsing: text) }
        guard limit > 0 else { return DeliveryPage(deliveries: [], nextCursor: nil) }
        let rows = try await read { db in
            try DeliveryRow
                .filter(Column("message_id") == messageID && Column("position") > (cursor?.position ?? -1))
                .order(Column("position"))
                .limit(limit + 1)
                .fetchAll(db)
        }
        let page = rows.prefix(limit)
        let next = rows.count > limit ? page.last.map { PositionCursor(position: Int64($0.position)).text } : nil
        return DeliveryPage(deliveries: page.map(\.delivery), nextCursor: next)
    }

    package func deliveryCounts(messageID: String) async throws -> [DeliveryStatus: Int] {
        let rows = try await read { db in
            try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM deliveries WHERE message_id = ? GROUP BY status", arguments: [messageID])
                .map { (status: $0["status"] as String, count: $0["n"] as Int) }
        }
        var counts: [DeliveryStatus: Int] = [:]
        for row in rows {
            guard let status = DeliveryStatus(rawValue: row.status) else { continue }
            counts[status] = row.count
        }
        return counts
    }
}
