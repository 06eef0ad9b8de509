import Foundation
import PostgresNIO
import SwitchboardCore

// Unrouted marks carry the database's time of the commit that made them (`marked_at`,
// migration 50), so re-routing takes only marks a dead node left, not a live node's.
extension PostgresStore: UnroutedInboundAge {
    package func unroutedInbound(limit: Int, markedFor age: TimeInterval) async throws -> [Message] {
        let logger = logger
        return try await client.withConnection { connection in
            let ids = try await connection.rows(
                """
                SELECT message_id FROM inbound_unrouted
                WHERE marked_at <= now() - \(max(age, 0)) * interval '1 second'
                ORDER BY seq LIMIT \(Int64(max(limit, 0)))
                """,
                logger: logger
            ).map { try $0["message_id"].decode(String.self) }
            let messages = try await Self.fetchMessages(ids: ids, on: connection, logger: logger)
            return ids.compactMap { messages[$0] }
        }
    }
}
