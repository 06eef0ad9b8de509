import GRDB
import SwitchboardCore

extension SQLiteStore: IdempotencyKeyLookup {
    package func idempotencyKey(messageID: String, scope: String) async throws -> String? {
        try await read { db in
            try String.fetchOne(
                db,
                sql: #"SELECT "key" FROM idempotency_keys WHERE message_id = ? AND scope = ? ORDER BY created_at LIMIT 1"#,
                arguments: [messageID, scope]
            )
        }
    }
}
