import Foundation

/// Who may read a message the hub sent on its own (sender `connector:NAME`): the people who
/// may see what it answers. A reply to a message in the common inbox is for every user; a
/// reply to a message in a user's own inbox, or a step of a conversation linked to a user, is
/// that user's; one the hub cannot trace back is for admins only.
package enum ReplyAudience: Sendable, Equatable {
    case everyone
    case user(String)
    case adminsOnly

    package func admits(_ username: String) -> Bool {
        switch self {
        case .everyone: true
        case .user(let owner): owner == username
        case .adminsOnly: false
        }
    }
}

extension Hub {
    /// The audience of `message`, a message with a `connector:` sender: found from the
    /// idempotency key it was accepted under, the inbound message's inbox (as the router
    /// places it) or the conversation's linked user.
    package func replyAudience(of message: Message) async throws -> ReplyAudience {
        guard let sender = message.sender, sender.hasPrefix("connector:"),
            let lookup = store as? any IdempotencyKeyLookup,
            let key = try await lookup.idempotencyKey(messageID: message.id, scope: sender)
        else { return .adminsOnly }
        let parts = key.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return .adminsOnly }
        let id = String(parts[1])
        switch parts[0] {
        case "inbound":
            guard let answered = try await store.message(id: id)?.message, answered.direction == .inbound,
                let origin = answered.origin
            else { return .adminsOnly }
            let inbound = InboundMessage(
                connector: origin.connector,
                from: origin.from,
                to: origin.to,
                text: answered.text,
                subject: answered.subject,
                html: answered.html,
                receivedAt: answered.createdAt
            )
            return try await inboxOwner(for: inbound).map(ReplyAudience.user) ?? .everyone
        case "conversation":
            guard let conversations = store as? any ConversationStore,
                let conversation = try await conversations.conversation(id: id)
            else { return .adminsOnly }
            return conversation.username.map(ReplyAudience.user) ?? .everyone
        default:
            return .adminsOnly
        }
    }
}
