import Foundation

// An operator ends a conversation (`POST /api/v1/conversations/{id}/abort`): someone stuck in
// a dialogue is freed, the reason kept with who gave it, the party told on the connector they
// write on.
extension Hub {
    /// The notice the party gets when an operator ends their conversation.
    package static func abortNotice(responder: String) -> String {
        ConversationEngine.abortNotice(responder: responder)
    }

    /// Ends an ongoing conversation as a turn of the conversation engine (under the party's
    /// connection lock, on the turns' commit path): see `ConversationEngine.abortByOperator`.
    ///
    /// Throws `notFound/conversation_not_found`, or `conflict/conversation_finished` when it has
    /// already ended.
    package func abortConversation(id: String, reason: String, by username: String, now: Date = Date()) async throws -> Conversation {
        guard let conversations else {
            throw SwitchboardError.notFound("conversation_not_found", "no conversation with id '\(id)'")
        }
        return try await conversations.abortByOperator(id: id, reason: reason, by: username, now: now)
    }
}
