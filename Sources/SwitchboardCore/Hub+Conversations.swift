import Foundation

// The hub's side of conversations: it makes the engine (replies prepared as its own, pinned
// to the connector the message came in on) and hears connectors' presence reports.
extension Hub {
    /// The engine for `responders`, or `nil` when there is no store of conversations.
    func makeConversationEngine(
        _ conversations: (any ConversationStore)?,
        responders: [any Responder],
        clock: @escaping @Sendable () -> Date
    ) -> ConversationEngine? {
        guard let conversations else { return nil }
        let directory = store
        return ConversationEngine(
            store: conversations,
            responders: responders,
            settings: configuration.conversations,
            logger: logger,
            now: clock,
            prepare: { [weak self] request, sender, key, replyVia in
                guard let self else { throw SwitchboardError(.unavailable, code: "shutting_down", "the hub is shutting down") }
                return try await self.prepare(request, sender: sender, idempotencyKey: key, replyVia: replyVia)
            },
            accepted: { [weak self] acceptances in self?.accepted(acceptances) },
            replyDispatch: dispatcher,
            identify: { address in
                let contacts = try await directory.contacts(withAddress: address)
                let users = Set(contacts.compactMap(\.username))
                return (users.count == 1 ? users.first : nil, contacts.count == 1 ? contacts.first?.id : nil)
            }
        )
    }

    /// A connector saw a party come or go (XMPP presence): sets or clears their sign-out
    /// deadline (see `ConversationEngine.presenceChanged`).
    package func presenceChanged(_ event: PresenceEvent) async throws {
        guard connectors[event.connector] != nil else {
            throw SwitchboardError.invalid("unknown_connector", "no connector named '\(event.connector)'")
        }
        try await conversations?.presenceChanged(event)
    }
}
