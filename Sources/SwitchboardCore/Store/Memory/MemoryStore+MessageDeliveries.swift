import Foundation

// One message's deliveries a page at a time, and their counts by status, as the SQLite store
// answers them (position in the message is the index in `deliveryIDs`).
extension MemoryStore {
    package func messageWithoutDeliveries(id: String) async throws -> MessageRecord? {
        try withState { state in
            state.messages[id].map { MessageRecord(message: $0.message, deliveries: [], warnings: $0.warnings) }
        }
    }

    package func deliveries(messageID: String, limit: Int, after cursor: String?) async throws -> DeliveryPage {
        let cursor = try cursor.map { text throws(SwitchboardError) in try PositionCursor(parsing: text) }
        guard limit > 0 else { return DeliveryPage(deliveries: [], nextCursor: nil) }
        return try withState { state in
            let ids = state.messages[messageID]?.deliveryIDs ?? []
            let start = cursor.map { Int(clamping: $0.position + 1) } ?? 0
            guard start < ids.count else { return DeliveryPage(deliveries: [], nextCursor: nil) }
            let end = min(ids.count, start + limit)
            let page = ids[start..<end].compactMap { state.deliveries[$0]?.delivery }
            let next = end < ids.count ? PositionCursor(position: Int64(end - 1)).text : nil
            return DeliveryPage(deliveries: page, nextCursor: next)
        }
    }

    package func deliveryCounts(messageID: String) async throws -> [DeliveryStatus: Int] {
        try withState { state in
            var counts: [DeliveryStatus: Int] = [:]
            for id in state.messages[messageID]?.deliveryIDs ?? [] {
                if let status = state.deliveries[id]?.delivery.status { counts[status, default: 0] += 1 }
            }
            return counts
        }
    }
}
