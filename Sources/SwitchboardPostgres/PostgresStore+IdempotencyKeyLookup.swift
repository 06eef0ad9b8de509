import PostgresNIO
import SwitchboardCore

// Who may read a hub reply (`Hub.replyAudience`) is traced through the key it was accepted
// under; without this the API leaves such messages to admins.
extension PostgresStore: IdempotencyKeyLookup {
    package func idempotencyKey(messageID: String, scope: String) async throws -> String? {
        try await rows(
            "SELECT key FROM idempotency_keys WHERE message_id = \(messageID) AND scope = \(scope) ORDER BY created_at LIMIT 1"
        ).first?["key"].decode(String.self)
    }
}
