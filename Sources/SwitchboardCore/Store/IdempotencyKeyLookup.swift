/// Finds the idempotency key a message was accepted under. What the hub sends on its own
/// (keyword replies, forwards, conversation steps) carries a key naming what it answers
/// (`inbound:MESSAGE:N`, `conversation:ID:…`), so this is how such a message is traced back
/// to the inbound message or conversation that decides who may read it.
///
/// Small on purpose, like `SentReferenceStore`: a store that does not implement it yet
/// leaves those messages to admins (the API fails closed).
package protocol IdempotencyKeyLookup: Sendable {
    /// The key `messageID` was accepted under in `scope` (the sender), if any.
    func idempotencyKey(messageID: String, scope: String) async throws -> String?
}
