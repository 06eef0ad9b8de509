import Foundation

/// What someone said: one body for every channel, optional rich HTML and attachments for
/// channels that carry them (email), and where it came from when it arrived from outside.
public struct Message: Sendable, Codable, Equatable, Identifiable {
    public enum Direction: String, Sendable, Codable { case inbound, outbound }

    public var id: String
    public var direction: Direction
    public var subject: String?
    /// Plain text: what SMS and IM recipients get, and the email's text part.
    public var text: String
    /// Rich body for email; never sent over SMS or IM.
    public var html: String?
    public var attachments: [Attachment]
    public var severity: Severity
    /// Who sent it: a username for outbound messages written in the hub, an address for inbound.
    public var sender: String?
    public var createdAt: Date
    /// Set on inbound messages: the connector it came in on and the addresses involved.
    public var origin: Origin?

    public init(
        id: String = Identifier.make(),
        direction: Direction = .outbound,
        subject: String? = nil,
        text: String,
        html: String? = nil,
        attachments: [Attachment] = [],
        severity: Severity = .info,
        sender: String? = nil,
        createdAt: Date = Date(),
        origin: Origin? = nil
    ) {
        self.id = id
        self.direction = direction
        self.subject = subject
        self.text = text
        self.html = html
        self.attachments = attachments
        self.severity = severity
        self.sender = sender
        self.createdAt = createdAt
        self.origin = origin
    }
}

/// Where an inbound message came from, and so where a reply goes by default.
public struct Origin: Sendable, Codable, Equatable {
    public var connector: String
    public var from: Address
    public var to: Address?
    public init(connector: String, from: Address, to: Address? = nil) {
        self.connector = connector
        self.from = from
        self.to = to
    }
}

/// A file carried with a message; sent only where the channel carries files (email).
public struct Attachment: Sendable, Codable, Equatable {
    public var filename: String
    public var contentType: String
    public var data: Data
    public init(filename: String, contentType: String, data: Data) {
        self.filename = filename
        self.contentType = contentType
        self.data = data
    }
    enum CodingKeys: String, CodingKey {
        case filename
        case contentType = "content_type"
        case data
    }
}

/// How urgent a message is; packing and queue listings put the most severe first.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case debug, info, notice, warning, error, critical

    public var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// Opaque identifiers: random, URL-safe, sortable by nothing in particular.
public enum Identifier {
    /// A UUID version 7 (RFC 9562) in lower-case text: 48 bits of Unix milliseconds, then
    /// 74 random bits. Ids made later sort later, so new rows land at the right edge of every
    /// index on an id instead of on a random page: a burst of messages touches a few pages
    /// instead of one page per message, which is most of what a commit writes.
    public static func make(now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        let random = (generator.next() as UInt64, generator.next() as UInt64)
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - i))) }
        for i in 6..<8 { bytes[i] = UInt8(truncatingIfNeeded: random.0 >> (8 * i)) }
        for i in 8..<16 { bytes[i] = UInt8(truncatingIfNeeded: random.1 >> (8 * (i - 8))) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // variant 10
        return TextEncoding.hex(bytes, dashesBefore: [4, 6, 8, 10])
    }
}
