import Foundation
import GRDB
import SwitchboardCore

// Sent references (`sent_parts`, migration v8-sent-parts): what a modem's status reports are
// matched by, kept across restarts. Each call is one transaction.
extension SQLiteStore: SentReferenceStore {
    package func recordSent(_ part: SentPart) async throws {
        try await write { db in
            // Rows of an earlier send of this delivery, and an earlier row for this part, give way.
            try db.execute(
                sql: "DELETE FROM sent_parts WHERE delivery_id = ? AND (sent_at <> ? OR part = ?)",
                arguments: [part.deliveryID, SQLDate.encode(part.sentAt), part.part]
            )
            try db.execute(
                sql: """
                    INSERT INTO sent_parts (connector, reference, recipient, recipient_key, sent_at, delivery_id, part, parts)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    part.connector, part.reference, part.recipient, SentPart.recipientKey(part.recipient), SQLDate.encode(part.sentAt),
                    part.deliveryID, part.part, part.parts,
                ]
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
        return try await write { db in
            // Unfinished first, then the newest send, then the latest recorded.
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT seq, delivery_id, part, parts, outcome FROM sent_parts
                        WHERE connector = ? AND reference = ? AND recipient_key = ? AND sent_at >= ?
                        ORDER BY outcome IS NULL DESC, sent_at DESC, seq DESC LIMIT 1
                        """,
                    arguments: [connector, reference, key, SQLDate.encode(since)]
                )
            else { return nil }
            let seq: Int64 = row["seq"]
            let deliveryID: String = row["delivery_id"]
            let part: Int = row["part"]
            let parts: Int = row["parts"]
            let stored: String? = row["outcome"]
            if outcome != .pending && stored == nil {
                try db.execute(sql: "UPDATE sent_parts SET outcome = ? WHERE seq = ?", arguments: [outcome.rawValue, seq])
            }
            let outcomes = try String?.fetchAll(db, sql: "SELECT outcome FROM sent_parts WHERE delivery_id = ?", arguments: [deliveryID])
                .map { $0.flatMap(SentPart.Outcome.init(rawValue:)) }
            return SentPartMatch(deliveryID: deliveryID, part: part, parts: parts, verdict: SentPartMatch.verdict(parts: parts, outcomes: outcomes))
        }
    }

    package func purgeSent(connector: String, before cutoff: Date) async throws -> Int {
        try await write { db in
            try db.execute(sql: "DELETE FROM sent_parts WHERE connector = ? AND sent_at < ?", arguments: [connector, SQLDate.encode(cutoff)])
            return db.changesCount
        }
    }
}
