import Foundation

/// One configured instance of an engine at the rim of the hub.
///
/// Every connector can send (`send`) and may receive: `run(sink:)` is its long-running
/// inbound loop, which hands each message it receives to the sink and returns when the hub
/// shuts down (the default waits for cancellation and does nothing).
public protocol Connector: Sendable {
    var name: String { get }
    var engine: String { get }
    var channels: [ChannelName] { get }
    /// Sends one delivery. Throws `ConnectorError` (transient or permanent); anything else is
    /// treated as transient.
    func send(_ outbound: Outbound) async throws -> Receipt
    func run(sink: any InboundSink) async throws
    /// Whether the outside world allows one session of this connector at a time (a modem on
    /// a serial line, an XMPP account): when several hub nodes share a store, only the node
    /// holding the connector's lease runs it and sends through it. Default `false`.
    var singleOwner: Bool { get }
}

extension Connector {
    public var singleOwner: Bool { false }

    public func run(sink: any InboundSink) async throws {
        // Connectors without an inbound side just wait to be cancelled.
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }
}

/// What a connector is asked to send: one delivery with its message.
public struct Outbound: Sendable, Equatable {
    public var delivery: Delivery
    public var message: Message
    public var address: Address { delivery.address }
    public init(delivery: Delivery, message: Message) {
        self.delivery = delivery
        self.message = message
    }
}

/// What a connector reports after handing a delivery on.
public struct Receipt: Sendable, Equatable {
    /// The far side's id for the message, kept so delivery reports can be matched.
    public var id: String?
    public init(id: String? = nil) { self.id = id }
}

/// Where connectors hand what they receive. The hub's router is the sink; it commits the
/// message before returning, so a connector may acknowledge the far side once this returns.
public protocol InboundSink: Sendable {
    @discardableResult
    func receive(_ inbound: InboundMessage) async throws -> InboundResult
    /// Whether a message to `address` has someone to land with: a contact that has the
    /// address, or (for email) a user named by its local part. Listeners that can refuse a
    /// recipient before taking the message (SMTP's `RCPT TO`) ask this first.
    func knowsRecipient(_ address: Address) async throws -> Bool
    /// A connector that learns when parties come and go (XMPP presence) reports it here, so
    /// the conversation engine can start or clear a sign-out deadline.
    func presenceChanged(_ event: PresenceEvent) async throws
    /// A connector that hears back about what it sent over its own link (XMPP receipts,
    /// a modem's status reports) reports it here, by the hub's delivery id it sent with.
    /// Throws `notFound` for a delivery that is not this connector's.
    func deliveryReported(connector: String, deliveryID: String, outcome: DeliveryReportOutcome, detail: String?) async throws
}

extension InboundSink {
    public func presenceChanged(_ event: PresenceEvent) async throws {}
    public func deliveryReported(connector: String, deliveryID: String, outcome: DeliveryReportOutcome, detail: String?) async throws {}
}

/// A party came online or went offline on a connector (XMPP presence).
public struct PresenceEvent: Sendable, Equatable {
    public var connector: String
    public var address: Address
    public var available: Bool
    public var at: Date
    public init(connector: String, address: Address, available: Bool, at: Date) {
        self.connector = connector
        self.address = address
        self.available = available
        self.at = at
    }
}

/// What a connector heard about a delivery after sending it.
public enum DeliveryReportOutcome: String, Sendable {
    /// Final: the party has it.
    case delivered
    /// Final: it will not arrive.
    case failed
    /// On its way (kept in the history; the status stays).
    case progress
}

/// A message as a connector received it.
public struct InboundMessage: Sendable, Equatable {
    public var connector: String
    public var from: Address
    public var to: Address?
    public var text: String
    public var subject: String?
    public var html: String?
    public var attachments: [Attachment]
    public var receivedAt: Date
    /// Set by connectors whose far side may send the same request twice (signed webhooks):
    /// the store commits the message only if this key is new, in the same transaction.
    public var replayKey: ReplayKey?
    public init(
        connector: String,
        from: Address,
        to: Address? = nil,
        text: String,
        subject: String? = nil,
        html: String? = nil,
        attachments: [Attachment] = [],
        receivedAt: Date = Date(),
        replayKey: ReplayKey? = nil
    ) {
        self.connector = connector
        self.from = from
        self.to = to
        self.text = text
        self.subject = subject
        self.html = html
        self.attachments = attachments
        self.receivedAt = receivedAt
        self.replayKey = replayKey
    }
}

/// Proof that an inbound request was seen: kept until `expiresAt`, so the same request again
/// within that time is refused (`conflict/replayed`) instead of committed twice.
///
/// Why an expiry: a signed request older than its connector's tolerance is refused anyway,
/// so keys need living only that long, and the store stays bounded.
public struct ReplayKey: Sendable, Equatable {
    public var connector: String
    /// Unique per request within the connector: the sender's event id or the signature.
    public var key: String
    public var expiresAt: Date
    public init(connector: String, key: String, expiresAt: Date) {
        self.connector = connector
        self.key = key
        self.expiresAt = expiresAt
    }
}

/// What became of an inbound message.
public struct InboundResult: Sendable, Equatable {
    public var messageID: String
    public var disposition: HandlerResult
    /// The inbox item, when it reached an inbox.
    public var inboxItemID: Int64?
    /// Ids of messages the handlers sent in reply or forwarded.
    public var replies: [String]
    public init(messageID: String, disposition: HandlerResult, inboxItemID: Int64? = nil, replies: [String] = []) {
        self.messageID = messageID
        self.disposition = disposition
        self.inboxItemID = inboxItemID
        self.replies = replies
    }
}

/// A connector's failure, telling the dispatcher whether another try can help.
public struct ConnectorError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable { case transient, permanent }
    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    /// Timeouts, refused connections, 5xx: try the next connector, then again later.
    public static func transient(_ message: String) -> Self { .init(.transient, message) }
    /// Invalid number, rejected content: this connector can never send this delivery.
    public static func permanent(_ message: String) -> Self { .init(.permanent, message) }
    public var description: String { "\(kind.rawValue): \(message)" }
}

/// Makes connectors of one engine from their configuration.
public struct ConnectorEngine: Sendable {
    public var name: String
    /// Reads and validates the engine's own keys from `reader` (which already consumed
    /// `engine` and `channels`), recording problems there; returns `nil` if any were found.
    public var make: @Sendable (_ settings: ConnectorSettings, _ reader: ConfigReader, _ env: ConfigEnvironment) -> (any Connector)?
    public init(name: String, make: @escaping @Sendable (ConnectorSettings, ConfigReader, ConfigEnvironment) -> (any Connector)?) {
        self.name = name
        self.make = make
    }
}

/// What engines may read besides their keys: the environment, for `*_env` secrets.
public struct ConfigEnvironment: Sendable {
    public var variables: [String: String]
    public init(variables: [String: String] = ProcessInfo.processInfo.environment) { self.variables = variables }

    /// Reads a secret named by `key_env` (e.g. `password_env: SMTP_PASSWORD`), reporting a
    /// problem if the variable named is not set. The secret is never logged.
    public func secret(_ reader: ConfigReader, _ key: String) -> String? {
        guard let name = reader.string(key) else { return nil }
        guard let v = variables[name] else {
            reader.problem(key, "environment variable \(name) is not set")
            return nil
        }
        return v
    }
}
