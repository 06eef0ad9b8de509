import Foundation
import Logging
import Metrics

/// The inbound pipeline: records every message, then offers it to each handler in turn
/// until one answers `handled` or `drop`; whatever passes every handler lands in an inbox.
package struct MessageRouter: Sendable {
    package let handlers: [any MessageHandler]
    let store: any HubStore
    let outbox: @Sendable (SendRequest, Origin, _ idempotencyKey: String) async throws -> Acceptance
    let logger: Logger
    let inbox: InboxSettings
    /// Every item the router puts in an inbox, published after its commit.
    package let events: InboxEvents

    package init(
        handlers: [any MessageHandler],
        store: any HubStore,
        inbox: InboxSettings = .init(),
        events: InboxEvents = InboxEvents(),
        logger: Logger,
        outbox: @escaping @Sendable (SendRequest, Origin, _ idempotencyKey: String) async throws -> Acceptance
    ) {
        self.handlers = handlers
        self.store = store
        self.inbox = inbox
        self.events = events
        self.logger = logger
        self.outbox = outbox
    }

    /// Commits the message first, so that a gateway is acknowledged only for what is on disk
    /// and a failing handler can never lose it; then runs the pipeline.
    package func route(_ inbound: InboundMessage) async throws -> InboundResult {
        let message = Message(
            direction: .inbound,
            subject: inbound.subject,
            text: inbound.text,
            html: inbound.html,
            attachments: inbound.attachments,
            sender: inbound.from.description,
            createdAt: inbound.receivedAt,
            origin: Origin(connector: inbound.connector, from: inbound.from, to: inbound.to)
        )
        try await store.recordInbound(message, replayKey: inbound.replayKey)
        Counter(label: "switchboard_inbound_total", dimensions: [("connector", inbound.connector)]).increment()
        return try await process(message)
    }

    /// Routes again what a previous run committed but did not finish routing (it was killed
    /// between the commit and the inbox), oldest first, before the hub takes new work.
    /// Replies that handlers sent the first time are not sent again: each reply carries an
    /// idempotency key made of the message's id and its place among the replies.
    ///
    /// On a store several nodes share (`UnroutedInboundAge`), only messages unrouted for at
    /// least `age` seconds: a younger one is most likely being routed by a live node now.
    @discardableResult
    package func routeUnrouted(batch: Int = 100, settledFor age: TimeInterval = 0) async throws -> Int {
        var routed = 0
        while true {
            let pending: [Message]
            if let aged = store as? any UnroutedInboundAge {
                pending = try await aged.unroutedInbound(limit: batch, markedFor: age)
            } else {
                pending = try await store.unroutedInbound(limit: batch)
            }
            for message in pending {
                _ = try await process(message)
                routed += 1
            }
            if pending.count < batch { return routed }
        }
    }

    /// The pipeline for a committed inbound message: each handler in turn, then the inbox.
    func process(_ message: Message) async throws -> InboundResult {
        guard let origin = message.origin else {
            // Every message `route` records has its origin; one without cannot be offered to
            // handlers (they answer by it), so it goes to the common inbox.
            let item = try await store.addToInbox(messageID: message.id, owner: nil)
            events.publish(item)
            return InboundResult(messageID: message.id, disposition: .handled, inboxItemID: item.id)
        }
        let inbound = InboundMessage(
            connector: origin.connector,
            from: origin.from,
            to: origin.to,
            text: message.text,
            subject: message.subject,
            html: message.html,
            attachments: message.attachments,
            receivedAt: message.createdAt
        )
        let owner = try await inboxOwner(for: inbound)
        let context = InboundContext(message: message, origin: origin, inboxOwner: owner, outbox: outbox)
        for handler in handlers {
            let result: HandlerResult
            do {
                result = try await handler.handle(context)
            } catch let deferred as RoutingDeferred {
                // Its turn did not commit: the message stays unrouted, as after a crash, and
                // the next start routes it again.
                logger.error(
                    "handler deferred the message",
                    metadata: ["handler": "\(handler.name)", "message": "\(message.id)", "error": "\(deferred)"]
                )
                return InboundResult(messageID: message.id, disposition: .handled, replies: context.replies)
            } catch {
                // A broken handler must not keep the message from the inbox: log and go on.
                logger.error("handler failed", metadata: ["handler": "\(handler.name)", "message": "\(message.id)", "error": "\(error)"])
                continue
            }
            if result != .pass {
                logger.debug("inbound message \(result.rawValue)", metadata: ["handler": "\(handler.name)", "message": "\(message.id)"])
                // A conversation turn clears the mark in its own transaction; a second
                // writer transaction that changes nothing would only cost a hop.
                if !context.routingCommitted { try await store.finishRouting(messageID: message.id) }
                return InboundResult(messageID: message.id, disposition: result, replies: context.replies)
            }
        }
        let item = try await store.addToInbox(messageID: message.id, owner: context.inboxOwner)
        events.publish(item)
        return InboundResult(messageID: message.id, disposition: .handled, inboxItemID: item.id, replies: context.replies)
    }

    /// Whose inbox a message lands in:
    /// 1. sent to a user (`user:alice`, an address of the contact linked to alice, or email
    ///    to `alice@` one of the hub's domains): hers;
    /// 2. with `inbox.replies_to_sender`, a reply from someone a user wrote to within the
    ///    reply window: that user's (workflow: answers come back to whoever asked);
    /// 3. otherwise the common inbox.
    func inboxOwner(for inbound: InboundMessage) async throws -> String? {
        if let to = inbound.to, let owner = try await addressee(to).owner { return owner }
        guard inbox.repliesToSender else { return nil }
        if let sender = try await store.latestUserSender(to: inbound.from, since: inbound.receivedAt.addingTimeInterval(-inbox.replyWindow)),
            try await store.user(named: sender) != nil
        {
            return sender
        }
        return nil
    }

    /// Who a message sent to `to` is for: `known` when a contact has the address or it names a
    /// user (`user:alice`, or email whose local part is the username `alice`, so mail to
    /// `alice@` a domain the listener serves reaches her); `owner` when that is one user.
    package func addressee(_ to: Address) async throws -> (known: Bool, owner: String?) {
        if case .user(let name) = to { return try await store.user(named: name) != nil ? (true, name) : (false, nil) }
        let contacts = try await store.contacts(withAddress: to)
        let owners = Set(contacts.compactMap(\.username))
        if owners.count == 1 { return (true, owners.first) }
        if !contacts.isEmpty { return (true, nil) }
        if case .email(let mail) = to, let at = mail.lastIndex(of: "@") {
            let local = String(mail[..<at]).lowercased()
            if Username.isValid(local), try await store.user(named: local) != nil { return (true, local) }
        }
        return (false, nil)
    }
}
