import Foundation

/// What a handler decided about an inbound message.
public enum HandlerResult: String, Sendable, Codable {
    /// Not mine: let the next handler look at it.
    case pass
    /// Done with: stop here (the message stays recorded, but goes to no inbox).
    case handled
    /// Unwanted (spam, loop): stop here and mark it dropped.
    case drop
}

/// One step of the inbound pipeline. Conversations, keyword replies, form parsers,
/// forwarding rules and the inbox are all handlers.
public protocol MessageHandler: Sendable {
    /// Shown in logs and in the message's disposition.
    var name: String { get }
    func handle(_ context: InboundContext) async throws -> HandlerResult
}

/// An inbound message as handlers see it, with the means to answer.
///
/// A class so that handlers earlier in the pipeline can leave facts for later ones
/// (`inboxOwner`, replies sent) without threading them through return values.
public final class InboundContext: @unchecked Sendable {
    /// The message, already committed to the store.
    public let message: Message
    public let origin: Origin
    private let lock = NSLock()
    private var _inboxOwner: String?
    private var _replies: [String] = []
    private var _sent = 0
    private var _routingCommitted = false
    private let outbox: @Sendable (SendRequest, Origin, _ idempotencyKey: String) async throws -> Acceptance

    init(
        message: Message,
        origin: Origin,
        inboxOwner: String?,
        outbox: @escaping @Sendable (SendRequest, Origin, _ idempotencyKey: String) async throws -> Acceptance
    ) {
        self.message = message
        self.origin = origin
        self._inboxOwner = inboxOwner
        self.outbox = outbox
    }

    /// Whose inbox the message lands in; `nil` is the common inbox.
    public var inboxOwner: String? {
        get { lock.withLock { _inboxOwner } }
        set { lock.withLock { _inboxOwner = newValue } }
    }

    /// Whether a handler already cleared the message's unrouted mark in a commit of its own
    /// (a conversation turn does, in the turn's transaction): the router then has nothing
    /// left to write for it.
    var routingCommitted: Bool {
        get { lock.withLock { _routingCommitted } }
        set { lock.withLock { _routingCommitted = newValue } }
    }

    /// Ids of the messages sent in reply or forwarded so far.
    public var replies: [String] { lock.withLock { _replies } }

    /// Replies to the sender on the connector the message came in on.
    @discardableResult
    public func reply(_ text: String) async throws -> String {
        let request = SendRequest(to: [origin.from.description], text: text)
        let acceptance = try await outbox(request, origin, nextKey())
        lock.withLock { _replies.append(acceptance.record.message.id) }
        return acceptance.record.message.id
    }

    /// The idempotency key of the next message this context sends: the inbound message's id
    /// and the send's place, so routing the message again after a crash sends nothing twice.
    private func nextKey() -> String {
        lock.withLock {
            _sent += 1
            return "inbound:\(message.id):\(_sent)"
        }
    }

    /// Sends a new message elsewhere (forwarding); it leaves by the normal channel routes.
    @discardableResult
    public func send(_ request: SendRequest) async throws -> String {
        let acceptance = try await outbox(request, Origin(connector: "", from: origin.from), nextKey())
        lock.withLock { _replies.append(acceptance.record.message.id) }
        return acceptance.record.message.id
    }
}
