import Foundation

/// The whole hub's settings, as read from the YAML file (see `switchboard.example.yaml`).
///
/// Plain data: parsing and validation live in `HubConfiguration+Parsing.swift` over a
/// neutral `ConfigNode` tree, so Core needs no YAML library.
package struct HubConfiguration: Sendable, Equatable {
    package var server: ServerSettings
    package var storage: StorageSettings
    package var logging: LoggingSettings
    package var admin: AdminSettings
    /// Connectors in declaration order, each one instance of an engine.
    package var connectors: [ConnectorSettings]
    /// Each channel's failover route of connector names, in order.
    package var channels: [ChannelName: ChannelSettings]
    package var forwarding: [ForwardingRule]
    package var autoReplies: [AutoReply]
    package var dispatcher: DispatcherSettings
    package var inbox: InboxSettings = .init()
    /// WebSocket publish-subscribe topics, each persisted to its own table.
    package var topics: [TopicDefinition] = []
    /// Message templates a send request may name (`template` and `data`).
    package var templates: [MessageTemplateSettings] = []
    /// The conversation engine's prefix, timeouts and retention (`conversations:`).
    package var conversations = ConversationSettings()
    /// Responders declared under `conversations.responders` (`HubConfiguration+Responders.swift`).
    package var responders: [DeclaredResponderDefinition] = []
    /// This node's id and the leases' time-to-live (`cluster:`), for several nodes on PostgreSQL.
    package var cluster = ClusterSettings()

    package init(
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
    package static var embeddedDefault: HubConfiguration {
        let tester = ConnectorSettings(name: "tester", engine: "bucket", channels: [.sms, .email, .im], settings: .mapping([]))
        return HubConfiguration(
            connectors: [tester],
            channels: [.sms: .init(route: ["tester"]), .email: .init(route: ["tester"]), .im: .init(route: ["tester"])]
        )
    }
}

package struct ServerSettings: Sendable, Equatable {
    package var host: String = "127.0.0.1"
    package var port: Int = 8080
    /// Largest request body accepted, in bytes.
    package var maxBodyBytes: Int = 1 << 20
    /// Set the `Secure` flag on the session cookie (behind HTTPS).
    package var secureCookies: Bool = false
    /// How long a login session lives without use, in seconds.
    package var sessionTTL: TimeInterval = 12 * 3600
    /// Browser origins besides the hub's own whose pages may make state-changing requests
    /// with the session cookie (`https://intranet.example`), normalised; see `WebOrigin`.
    package var allowedOrigins: [String] = []
    /// Origins of other sites' pages that may embed the inbox widget (`/widget.js`): they may
    /// read the inbox list and unread count with a token (CORS) and open `/ws/inbox` with
    /// `?token=`, and nothing else; unlike `allowedOrigins` they gain nothing from the cookie.
    package var widgetOrigins: [String] = []
    /// Connection timeouts and caps (`idle_timeout`, `max_connections`, …).
    package var transport = TransportSettings()
    package init() {}
}

package struct StorageSettings: Sendable, Equatable {
    package enum Driver: String, Sendable, Equatable { case sqlite, postgres }
    package enum Synchronous: String, Sendable, Equatable { case full, normal }
    package var driver: Driver = .sqlite
    package var dataDirectory: String = "./switchboard-data"
    /// SQLite `synchronous`: `full` (default) survives power loss; `normal` only process crashes.
    package var synchronous: Synchronous = .full
    /// Seconds a looked-up token, session or user is trusted without reading it again
    /// (0: always read). The hub's own changes apply at once; the CLI's within this time.
    package var credentialCache: TimeInterval = 5
    /// The database of several hub nodes (`driver: postgres`).
    package var postgres = PostgresSettings()
    package init() {}
}

package struct LoggingSettings: Sendable, Equatable {
    package enum Format: String, Sendable, Equatable { case text, json }
    package var level: String = "info"
    package var format: Format = .text
    package init() {}
}

package struct AdminSettings: Sendable, Equatable {
    package var username: String = "admin"
    /// Environment variable holding the first admin's password; if unset one is generated and printed once.
    package var passwordEnv: String = "SWITCHBOARD_ADMIN_PASSWORD"
    package init() {}
}

/// One configured connector: a name, an engine, the channels it serves, and the engine's own keys.
public struct ConnectorSettings: Sendable, Equatable {
    public var name: String
    public var engine: String
    public var channels: [ChannelName]
    /// The engine-specific keys, still as a tree: each engine reads and validates its own.
    public var settings: ConfigNode
    package var dispatch: ConnectorDispatchSettings
    /// This connector's conversation command prefix (`command_prefix`); `nil`: the hub's.
    package var commandPrefix: String?
    package init(
        name: String,
        engine: String,
        channels: [ChannelName],
        settings: ConfigNode,
        dispatch: ConnectorDispatchSettings = .init(),
        commandPrefix: String? = nil
    ) {
        self.name = name
        self.engine = engine
        self.channels = channels
        self.settings = settings
        self.dispatch = dispatch
        self.commandPrefix = commandPrefix
    }
}

package struct ChannelSettings: Sendable, Equatable {
    /// What happens to a delivery when its retries run out.
    package enum LimitAction: String, Sendable, Equatable { case fail, hold }

    /// How a send picks a connector of the route.
    package enum RouteStrategy: String, Sendable, Equatable, CaseIterable {
        /// In order, waiting for the first one's free slot: the order is primary, then backup.
        case failover
        /// The first one in order with a free slot, so equal connectors (several modems)
        /// send in parallel; waits only when none has one.
        case spread
    }

    /// Connector names tried in order.
    package var route: [String]
    package var strategy: RouteStrategy
    /// Overrides the dispatcher's retry policy for this channel.
    package var retry: RetryPolicy?
    package var atLimit: LimitAction
    /// Deliveries still queued after this long are marked `ignored` instead of sent, so a
    /// long outage does not end in a burst of stale alerts (smsd's autocancel).
    package var autocancelAfter: TimeInterval?
    /// When a delivery on this channel fails for good and the contact has an address on the
    /// fallback channel, a linked delivery is made there (e.g. sms → email).
    package var fallback: ChannelName?
    /// Pack several waiting messages to one address into one (SMS alerts).
    package var packing: PackingSettings?

    package init(
        route: [String],
        retry: RetryPolicy? = nil,
        atLimit: LimitAction = .fail,
        autocancelAfter: TimeInterval? = nil,
        fallback: ChannelName? = nil,
        packing: PackingSettings? = nil,
        strategy: RouteStrategy = .failover
    ) {
        self.route = route
        self.strategy = strategy
        self.retry = retry
        self.atLimit = atLimit
        self.autocancelAfter = autocancelAfter
        self.fallback = fallback
        self.packing = packing
    }
}

/// How waiting messages to one address are packed into one (see `SwitchboardSMS.SMSPacker`).
package struct PackingSettings: Sendable, Equatable {
    /// `nav` (NAV smsd's formatsms, 160 characters) or `segments` (GSM 03.38 / UCS-2 parts).
    package var mode: String
    /// Concatenated parts allowed in `segments` mode.
    package var maxParts: Int
    package init(mode: String = "nav", maxParts: Int = 1) {
        self.mode = mode
        self.maxParts = maxParts
    }
}

/// Dispatch settings every connector has, whatever its engine.
package struct ConnectorDispatchSettings: Sendable, Equatable {
    /// Treat this connector's permanent errors as transient (modems that recover by themselves).
    package var permanentErrorsAreTransient: Bool = false
    package var gate: ConnectorGate.Configuration = .init()
    package init() {}
}

/// Bridges connectors: every inbound message matching the rule is also sent to `to`.
package struct ForwardingRule: Sendable, Equatable {
    /// Only messages that arrived on this connector (any if `nil`).
    package var connector: String?
    /// Only messages whose text starts with this keyword, case-insensitive (any if `nil`).
    package var keyword: String?
    package var to: [Address]
    /// Put before the forwarded text, e.g. `"SMS from {from}: "`; `{from}` and `{connector}` are filled in.
    package var prefix: String
    package init(connector: String? = nil, keyword: String? = nil, to: [Address], prefix: String = "[{connector}] {from}: ") {
        self.connector = connector
        self.keyword = keyword
        self.to = to
        self.prefix = prefix
    }
}

/// A keyword auto-responder (RapidSMS's ping/echo apps, configurable).
package struct AutoReply: Sendable, Equatable {
    /// The first word of the message, matched case-insensitively.
    package var keyword: String
    /// Reply text; `{from}`, `{text}` (the rest after the keyword) and `{connector}` are filled in.
    package var reply: String
    /// Whether the message still goes on to the inbox after the reply.
    package var keepInInbox: Bool
    package init(keyword: String, reply: String, keepInInbox: Bool = false) {
        self.keyword = keyword
        self.reply = reply
        self.keepInInbox = keepInInbox
    }
}

/// Which inbox inbound messages land in.
package struct InboxSettings: Sendable, Equatable {
    /// A reply from someone a user wrote to lands in that user's inbox instead of the common
    /// one (workflow: answers come back to whoever asked). Off by default: the common inbox
    /// is what everyone watches.
    package var repliesToSender: Bool = false
    /// How long after a user wrote to an address its replies count as answers to them.
    package var replyWindow: TimeInterval = 7 * 24 * 3600
    package init() {}
}

package struct DispatcherSettings: Sendable, Equatable {
    /// Concurrent sends.
    package var workers: Int = 16
    /// Fallback poll when nothing wakes the dispatcher, in seconds.
    package var pollInterval: TimeInterval = 1
    /// How long a claim lasts before a crashed worker's delivery becomes due again, in seconds.
    package var lease: TimeInterval = 60
    /// Retry: first delay, growth factor, cap (seconds) and how many attempts in all.
    package var retryDelay: TimeInterval = 30
    package var retryFactor: Double = 1.5
    package var retryMaxDelay: TimeInterval = 3600
    package var retryLimit: Int = 5
    /// Up to this many seconds added at random to each retry delay.
    package var retryJitter: TimeInterval = RetryPolicy.defaultJitter
    /// On graceful shutdown, how long sends under way may take to finish, in seconds.
    package var shutdownGrace: TimeInterval = 30
    package init() {}
}
