import Foundation
import Logging
import PostgresNIO
import SwitchboardCore

/// Sent references (`sent_parts`), as `SQLiteStore+SentReferences` keeps them, so a modem on a
/// hub whose store is PostgreSQL matches its status reports after a restart too. Each call is
/// one transaction; a report's match locks the part it chose (`FOR UPDATE`), so two reports
/// for one part, on two nodes at once, set its outcome once (the first final one wins).
extension PostgresStore: SentReferenceStore {
    package func recordSent(_ part: SentPart) async throws {
        let logger = logger
        try await transaction { connection in
            // Rows of an earlier send of this delivery, and an earlier row for this part, give way.
            try await connection.execute(
                """
                DELETE FROM sent_parts
                WHERE delivery_id = \(part.deliveryID) AND (sent_at <> \(part.sentAt) OR part = \(Int64(part.part)))
                """,
                logger: logger
            )
            try await connection.execute(
                """
                INSERT INTO sent_parts (connector, reference, recipient, recipient_key, sent_at, delivery_id, part, parts)
                VALUES (\(part.connector), \(Int64(part.reference)), \(part.recipient), \(SentPart.recipientKey(part.recipient)),
                        \(part.sentAt), \(part.deliveryID), \(Int64(part.part)), \(Int64(part.parts)))
                """,
                logger: logger
            )
        }
    }

    package func matchSent(
        connector: String,
        reference: Int,
        recipient: String,
        outcome: SentPart.Outcome,
        since: Date
    ) async throws -> SentPartMatch? {
        let key = SentPart.recipientKey(recipient)
        let logger = logger
        return try await transaction { connection in
            // Unfinished first, then the newest send, then the latest recorded.
            let chosen = try await connection.rows(
                """
                SELECT seq, delivery_id, part, parts, outcome FROM sent_parts
                WHERE connector = \(connector) AND reference = \(Int64(reference)) AND recipient_key = \(key) AND sent_at >= \(since)
                ORDER BY outcome IS NULL DESC, sent_at DESC, seq DESC LIMIT 1
                FOR UPDATE
                """,
                logger: logger
            )
            guard let row = chosen.first else { return nil }
            let seq = try row["seq"].decode(Int64.self)
            let deliveryID = try row["delivery_id"].decode(String.self)
            let part = Int(try row["part"].decode(Int64.self))
            let parts = Int(try row["parts"].decode(Int64.self))
            if outcome != .pending {
                try await connection.execute(
                    "UPDATE sent_parts SET outcome = \(outcome.rawValue) WHERE seq = \(seq) AND outcome IS NULL",
                    logger: logger
                )
            }
            let outcomes = try await connection.rows(
                "SELECT outcome FROM sent_parts WHERE delivery_id = \(deliveryID)",
                logger: logger
            ).map { try $0["outcome"].decode(String?.self).flatMap(SentPart.Outcome.init(rawValue:)) }
            return SentPartMatch(deliveryID: deliveryID, part: part, parts: parts, verdict: SentPartMatch.verdict(parts: parts, outcomes: outcomes))
        }
    }

    @discardableResult
    package func purgeSent(connector: String, before cutoff: Date) async throws -> Int {
        try await changes("DELETE FROM sent_parts WHERE connector = \(connector) AND sent_at < \(cutoff)")
    }
}
