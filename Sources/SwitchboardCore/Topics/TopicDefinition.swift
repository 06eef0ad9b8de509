import Foundation

/// A topic: a WebSocket publish-subscribe stream whose every message is a row of its own
/// SQL table, so a subscriber that connects later still gets what was said (history).
///
/// Plain data parsed from `topics:` in the configuration; table and column names are
/// validated identifiers, the only names that ever reach SQL text.
public struct TopicDefinition: Sendable, Equatable {
    public var name: String
    /// The WebSocket path, e.g. `/topics/chat`.
    public var path: String
    public var table: String
    /// The configured columns in file order (without `id`, `user`, `timestamp`).
    public var columns: [TopicColumn]
    public var read: TopicAccess
    public var write: TopicAccess
    /// Per method (`POST`, `PUT`, `DELETE`): fields set from a fixed set of value sources.
    package var defaults: [TopicMethod: [(field: String, source: TopicValueSource)]]
    package var open: [TopicFilterTemplate]
    package var prepare: [TopicPrepareRule]
    package var modify: [(field: String, source: TopicValueSource)]
    package var alert: TopicAlertSettings?
    /// History rows sent on connect when the client gives no `_limit`.
    public var historyLimit: Int
    /// Browser origins allowed besides the hub's own (`Origin` equal to the `Host`).
    public var origins: [String]
    /// Serve the small chat page at `path` + `/chat`.
    public var chatPage: Bool
    /// Frames that may wait for one subscriber (beyond its history) before it counts as
    /// fallen behind and is disconnected with a `too_slow` error frame.
    public var maxQueuedFrames: Int
    /// The largest message a client may send; a larger one is answered with a
    /// `frame_too_large` error frame and the socket stays open.
    public var maxFrameBytes: Int
    /// When a write is acknowledged and broadcast: once flushed to disk (`flush`, the
    /// default), or once committed (`commit`: it survives a crash of the hub, and reaches
    /// the disk with the next flush, at most ~100 ms later; a power cut may lose that much).
    public var durability: TopicDurability
    /// Seconds between the pings sent to each subscriber; one that has not answered the
    /// previous ping by the next is closed (1001, `ping_timeout`). Below a proxy's idle
    /// timeout, they also keep quiet sockets open.
    public var pingInterval: Int

    /// Defaults of `max_queued_frames` and `max_frame_bytes`. A queued frame costs a
    /// subscriber one reference (16 bytes; the row's text is encoded once and shared by every
    /// queue), so 5,000 costs a subscriber that far behind about 80 KB (up to 128 KB as the
    /// array grows) and keeps at most 5,000 rows alive: enough for a burst of a few thousand
    /// rows to a client on a busy machine (1,000 dropped healthy clients under a 2,000-row
    /// flood), still a bound on what a stuck client holds.
    public static let defaultMaxQueuedFrames = 5_000
    public static let defaultMaxFrameBytes = 64 * 1024
    /// The largest `max_frame_bytes` that may be configured.
    public static let frameCeilingBytes = 16 * 1024 * 1024

    public init(
        name: String,
        path: String? = nil,
        table: String? = nil,
        columns: [TopicColumn] = [],
        read: TopicAccess = .loggedIn,
        write: TopicAccess = .loggedIn
    ) {
        self.name = name
        self.path = path ?? "/topics/\(name)"
        self.table = table ?? name
        self.columns = columns
        self.read = read
        self.write = write
        self.defaults = [:]
        self.open = []
        self.prepare = []
        self.modify = []
        self.alert = nil
        self.historyLimit = 100
        self.origins = []
        self.chatPage = true
        self.maxQueuedFrames = Self.defaultMaxQueuedFrames
        self.maxFrameBytes = Self.defaultMaxFrameBytes
        self.durability = .flush
        self.pingInterval = 30
    }

    /// The columns every topic table has, in the order rows are shown.
    public static let builtinColumns: [TopicColumn] = [
        TopicColumn(name: "id", type: .text), TopicColumn(name: "user", type: .text), TopicColumn(name: "timestamp", type: .timestamp),
    ]

    /// Built-in and configured columns, in the order rows are shown.
    public var allColumns: [TopicColumn] { Self.builtinColumns + columns }

    public func column(_ name: String) -> TopicColumn? { allColumns.first { $0.name == name } }

    /// SQL identifiers: a letter or `_` then letters, digits or `_`, at most 63 characters.
    public static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, s.unicodeScalars.count <= 63 else { return false }
        func ok(_ c: Unicode.Scalar) -> Bool { c.isASCII && (c.properties.isAlphabetic || c == "_" || ("0"..."9").contains(c)) }
        return ok(first) && !("0"..."9").contains(first) && s.unicodeScalars.allSatisfy(ok)
    }

    public static func == (a: TopicDefinition, b: TopicDefinition) -> Bool {
        a.name == b.name && a.path == b.path && a.table == b.table && a.columns == b.columns && a.read == b.read && a.write == b.write
            && a.open == b.open && a.prepare == b.prepare && a.alert == b.alert && a.historyLimit == b.historyLimit
            && a.origins == b.origins && a.chatPage == b.chatPage
            && a.maxQueuedFrames == b.maxQueuedFrames && a.maxFrameBytes == b.maxFrameBytes && a.durability == b.durability
            && a.pingInterval == b.pingInterval
            && a.modify.map(\.field) == b.modify.map(\.field) && a.modify.map(\.source) == b.modify.map(\.source)
            && a.defaults.keys.sorted() == b.defaults.keys.sorted()
            && a.defaults.allSatisfy { k, v in b.defaults[k].map { $0.map(\.field) == v.map(\.field) && $0.map(\.source) == v.map(\.source) } ?? false
            }
    }
}

public enum TopicMethod: String, Sendable, Equatable, Hashable, CaseIterable, Comparable, Codable {
    case post = "POST"
    case put = "PUT"
    case delete = "DELETE"
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// A configured column and the type its values are checked against.
public struct TopicColumn: Sendable, Equatable {
    public var name: String
    public var type: TopicColumnType
    public init(name: String, type: TopicColumnType) {
        self.name = name
        self.type = type
    }
}

/// Column types. Booleans are stored as 0/1, timestamps as ISO 8601 UTC text with
/// milliseconds (`2026-01-02T03:04:05.678Z`), so comparing the text compares the times.
public enum TopicColumnType: String, Sendable, Equatable, CaseIterable {
    case text = "TEXT"
    case integer = "INTEGER"
    case real = "REAL"
    case boolean = "BOOLEAN"
    case timestamp = "TIMESTAMP"

    /// The type the SQL column is declared with (its SQLite affinity).
    public var sqlType: String {
        switch self {
        case .text, .timestamp: "TEXT"
        case .integer, .boolean: "INTEGER"
        case .real: "REAL"
        }
    }

    /// Whether every value of `self` can be kept when the column becomes `new`.
    public func widens(to new: TopicColumnType) -> Bool {
        if self == new || new == .text { return true }
        switch (self, new) {
        case (.integer, .real), (.boolean, .integer), (.boolean, .real): return true
        default: return false
        }
    }
}

/// Who may read or write a topic. Roles match the account's role (`admin`, `user`) or the
/// name of a contact group the account's contact belongs to (`ops`).
public struct TopicAccess: Sendable, Equatable {
    public var roles: [String]
    public var users: [String]
    public var anonymous: Bool
    public init(roles: [String] = [], users: [String] = [], anonymous: Bool = false) {
        self.roles = roles
        self.users = users
        self.anonymous = anonymous
    }
    /// Any logged-in account.
    public static let loggedIn = TopicAccess(roles: ["admin", "user"])

    public func allows(_ principal: TopicPrincipal?) -> Bool {
        guard let p = principal else { return anonymous }
        if p.isAdmin || users.contains(p.id) { return true }
        return roles.contains { p.has(role: $0) }
    }
}

/// The account behind a connection, as the rules see it; `nil` where used means anonymous.
public struct TopicPrincipal: Sendable, Equatable, Codable {
    public var id: String
    public var role: String
    public var displayName: String?
    /// Contact groups of the account's contact that some rule asks about.
    public var groups: Set<String>
    public init(id: String, role: String, displayName: String? = nil, groups: Set<String> = []) {
        self.id = id
        self.role = role
        self.displayName = displayName
        self.groups = groups
    }
    public var isAdmin: Bool { role == "admin" }
    public func has(role name: String) -> Bool { role == name || groups.contains(name) }
}

/// Alerts sent through the outbox when a row is written.
package struct TopicAlertSettings: Sendable, Equatable {
    /// Recipients (Mustache templates over the row): addresses, `group:`, `contact:`; a bare
    /// value without a scheme is an email address.
    package var to: [String]
    package var subject: String?
    package var text: String
    package var html: String?
    package var methods: Set<TopicMethod>
    /// Where each template was written (`to[0]`, `subject`, `text`, `html`), so that one the
    /// HTTP layer cannot compile is reported with its line (Core has no template engine).
    package var marks: [String: ConfigMark] = [:]
    package init(to: [String], subject: String? = nil, text: String, html: String? = nil, methods: Set<TopicMethod> = [.post]) {
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.methods = methods
    }

    /// Equal when they alert alike, wherever they were written.
    package static func == (a: Self, b: Self) -> Bool {
        a.to == b.to && a.subject == b.subject && a.text == b.text && a.html == b.html && a.methods == b.methods
    }
}

/// How durable a topic write is before it is acknowledged and broadcast (see
/// `TopicDefinition.durability`); like PostgreSQL's `synchronous_commit` on or off.
public enum TopicDurability: String, Sendable, Equatable, CaseIterable {
    /// Flushed to disk (the storage's `synchronous` setting) before anyone hears of it.
    case flush
    /// Committed (atomic, visible, safe from a crash of the hub) and flushed by the next
    /// commit that flushes or the background checkpoint.
    case commit
}
