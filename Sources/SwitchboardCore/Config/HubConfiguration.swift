import Foundation

/// The whole hub's settings, as read from the YAML file (see `switchboard.example.yaml`).
///
/// Plain data: parsing and validation live in `HubConfiguration+Parsing.swift` over a
/// neutral `ConfigNode` tree, so Core needs no YAML library.
public struct HubConfiguration: Sendable, Equatable {
    public var server: ServerSettings
    public var storage: StorageSettings
    public var logging: LoggingSettings
    public var admin: AdminSettings
    /// Connectors in declaration order, each one instance of an engine.
    public var connectors: [ConnectorSettings]
    /// Each channel's failover route of connector names, in order.
    public var channels: [ChannelName: ChannelSettings]
    public var forwarding: [ForwardingRule]
    public var autoReplies: [AutoReply]
    public var dispatcher: DispatcherSettings
    public var inbox: InboxSettings = .init()
    /// WebSocket publish-subscribe topics, each persisted to its own table.
    public var topics: [TopicDefinition] = []
    /// Message templates a send request may name (`template` and `data`).
    public var templates: [MessageTemplateSettings] = []

    public init(
        server: ServerSettings = .init(),
        storage: StorageSettings = .init(),
        logging: LoggingSettings = .init(),
        admin: AdminSettings = .init(),
        connectors: [ConnectorSettings] = [],
        channels: [ChannelName: ChannelSettings] = [:],
        forwarding: [ForwardingRule] = [],
        autoReplies: [AutoReply] = [],
        dispatcher: DispatcherSettings = .init()
    ) {
        self.server = server
        self.storage = storage
        self.logging = logging
        self.admin = admin
        self.connectors = connectors
        self.channels = channels
        self.forwarding = forwarding
        self.autoReplies = autoReplies
        self.dispatcher = dispatcher
    }

    /// The embedded default: one `tester` bucket connector routing sms, email and im.
    public static var embeddedDefault: HubConfiguration {
        let tester = ConnectorSettings(name: "tester", engine: "bucket", channels: [.sms, .email, .im], settings: .mapping([]))
        return HubConfiguration(
            connectors: [tester],
            channels: [.sms: .init(route: ["tester"]), .email: .init(route: ["tester"]), .im: .init(route: ["tester"])]
        )
    }
}

public struct ServerSettings: Sendable, Equatable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// Largest request body accepted, in bytes.
    public var maxBodyBytes: Int = 1 << 20
    /// Set the `Secure` flag on the session cookie (behind HTTPS).
    public var secureCookies: Bool = false
    /// How long a login session lives without use, in seconds.
    public var sessionTTL: TimeInterval = 12 * 3600
    /// Browser origins besides the hub's own whose pages may make state-changing requests
    /// with the session cookie (`https://intranet.example`), normalised; see `WebOrigin`.
    public var allowedOrigins: [String] = []
    /// Connection timeouts and caps (`idle_timeout`, `max_connections`, …).
    public var transport = TransportSettings()
    public init() {}
}

public struct StorageSettings: Sendable, Equatable {
    public enum Driver: String, Sendable, Equatable { case sqlite, postgres }
    public enum Synchronous: String, Sendable, Equatable { case full, normal }
    public var driver: Driver = .sqlite
    public var dataDirectory: String = "./switchboard-data"
    /// SQLite `synchronous`: `full` (default) survives power loss; `normal` only process crashes.
    public var synchronous: Synchronous = .full
    /// Seconds a looked-up token, session or user is trusted without reading it again
    /// (0: always read). The hub's own changes apply at once; the CLI's within this time.
    public var credentialCache: TimeInterval = 5
    public init() {}
}

public struct LoggingSettings: Sendable, Equatable {
    public enum Format: String, Sendable, Equatable { case text, json }
    public var level: String = "info"
    public var format: Format = .text
    public init() {}
}

public struct AdminSettings: Sendable, Equatable {
    public var username: String = "admin"
    /// Environment variable holding the first admin's password; if unset one is generated and printed once.
    public var passwordEnv: String = "SWITCHBOARD_ADMIN_PASSWORD"
    public init() {}
}

/// One configured connector: a name, an engine, the channels it serves, and the engine's own keys.
public struct ConnectorSettings: Sendable, Equatable {
    public var name: String
    public var engine: String
    public var channels: [ChannelName]
    /// The engine-specific keys, still as a tree: each engine reads and validates its own.
    public var settings: ConfigNode
    public var dispatch: ConnectorDispatchSettings
    public init(name: String, engine: String, channels: [ChannelName], settings: ConfigNode, dispatch: ConnectorDispatchSettings = .init()) {
        self.name = name
        self.engine = engine
        self.channels = channels
        self.settings = settings
        self.dispatch = dispatch
    }
}

public struct ChannelSettings: Sendable, Equatable {
    /// What happens to a delivery when its retries run out.
    public enum LimitAction: String, Sendable, Equatable { case fail, hold }

    /// Connector names tried in order.
    public var route: [String]
    /// Overrides the dispatcher's retry policy for this channel.
    public var retry: RetryPolicy?
    public var atLimit: LimitAction
    /// Deliveries still queued after this long are marked `ignored` instead of sent, so a
    /// long outage does not end in a burst of stale alerts (smsd's autocancel).
    public var autocancelAfter: TimeInterval?
    /// When a delivery on this channel fails for good and the contact has an address on the
    /// fallback channel, a linked delivery is made there (e.g. sms → email).
    public var fallback: ChannelName?
    /// Pack several waiting messages to one address into one (SMS alerts).
    public var packing: PackingSettings?

    public init(
        route: [String],
        retry: RetryPolicy? = nil,
        atLimit: LimitAction = .fail,
        autocancelAfter: TimeInterval? = nil,
        fallback: ChannelName? = nil,
        packing: PackingSettings? = nil
    ) {
        self.route = route
        self.retry = retry
        self.atLimit = atLimit
        self.autocancelAfter = autocancelAfter
        self.fallback = fallback
        self.packing = packing
    }
}

/// How waiting messages to one address are packed into one (see `SwitchboardSMS.SMSPacker`).
public struct PackingSettings: Sendable, Equatable {
    /// `nav` (NAV smsd's formatsms, 160 characters) or `segments` (GSM 03.38 / UCS-2 parts).
    public var mode: String
    /// Concatenated parts allowed in `segments` mode.
    public var maxParts: Int
    public init(mode: String = "nav", maxParts: Int = 1) {
        self.mode = mode
        self.maxParts = maxParts
    }
}

/// Dispatch settings every connector has, whatever its engine.
public struct ConnectorDispatchSettings: Sendable, Equatable {
    /// Treat this connector's permanent errors as transient (modems that recover by themselves).
    public var permanentErrorsAreTransient: Bool = false
    public var gate: ConnectorGate.Configuration = .init()
    public init() {}
}

/// Bridges connectors: every inbound message matching the rule is also sent to `to`.
public struct ForwardingRule: Sendable, Equatable {
    /// Only messages that arrived on this connector (any if `nil`).
    public var connector: String?
    /// Only messages whose text starts with this keyword, case-insensitive (any if `nil`).
    public var keyword: String?
    public var to: [Address]
    /// Put before the forwarded text, e.g. `"SMS from {from}: "`; `{from}` and `{connector}` are filled in.
    public var prefix: String
    public init(connector: String? = nil, keyword: String? = nil, to: [Address], prefix: String = "[{connector}] {from}: ") {
        self.connector = connector
        self.keyword = keyword
        self.to = to
        self.prefix = prefix
    }
}

/// A keyword auto-responder (RapidSMS's ping/echo apps, configurable).
public struct AutoReply: Sendable, Equatable {
    /// The first word of the message, matched case-insensitively.
    public var keyword: String
    /// Reply text; `{from}`, `{text}` (the rest after the keyword) and `{connector}` are filled in.
    public var reply: String
    /// Whether the message still goes on to the inbox after the reply.
    public var keepInInbox: Bool
    public init(keyword: String, reply: String, keepInInbox: Bool = false) {
        self.keyword = keyword
        self.reply = reply
        self.keepInInbox = keepInInbox
    }
}

/// Which inbox inbound messages land in.
public struct InboxSettings: Sendable, Equatable {
    /// A reply from someone a user wrote to lands in that user's inbox instead of the common
    /// one (workflow: answers come back to whoever asked). Off by default: the common inbox
    /// is what everyone watches.
    public var repliesToSender: Bool = false
    /// How long after a user wrote to an address its replies count as answers to them.
    public var replyWindow: TimeInterval = 7 * 24 * 3600
    public init() {}
}

public struct DispatcherSettings: Sendable, Equatable {
    /// Concurrent sends.
    public var workers: Int = 16
    /// Fallback poll when nothing wakes the dispatcher, in seconds.
    public var pollInterval: TimeInterval = 1
    /// How long a claim lasts before a crashed worker's delivery becomes due again, in seconds.
    public var lease: TimeInterval = 60
    /// Retry: first delay, growth factor, cap (seconds) and how many attempts in all.
    public var retryDelay: TimeInterval = 30
    public var retryFactor: Double = 1.5
    public var retryMaxDelay: TimeInterval = 3600
    public var retryLimit: Int = 5
    /// Up to this many seconds added at random to each retry delay.
    public var retryJitter: TimeInterval = RetryPolicy.defaultJitter
    /// On graceful shutdown, how long sends under way may take to finish, in seconds.
    public var shutdownGrace: TimeInterval = 30
    public init() {}
}
