import Foundation

extension MemoryStore: IdempotencyKeyLookup {
    package func idempotencyKey(messageID: String, scope: String) async throws -> String? {
        try withState { state in
            state.idempotencyKeys.first { $0.key.scope == scope && $0.value.messageID == messageID }?.key.key
        }
    }
}
