import Foundation

/// One field's value in a topic row: what SQLite keeps and what JSON frames carry.
public enum TopicValue: Sendable, Hashable, Codable {
    case null
    case text(String)
    case integer(Int64)
    case real(Double)
    case bool(Bool)

    public var isNull: Bool { self == .null }

    /// The value as text, for templates, lengths and `~=` (contains).
    public var text: String? {
        switch self {
        case .null: nil
        case .text(let s): s
        case .integer(let i): String(i)
        case .real(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .bool(let b): b ? "true" : "false"
        }
    }

    var number: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .real(let d): d
        case .bool(let b): b ? 1 : 0
        default: nil
        }
    }

    /// SQL-like ordering: numbers by value, text by code points; `nil` when not comparable
    /// (a NULL, or text against a number), which makes every comparison false as in SQL.
    public func compare(_ other: TopicValue) -> Int? {
        if let a = number, let b = other.number { return a < b ? -1 : (a > b ? 1 : 0) }
        if case .text(let a) = self, case .text(let b) = other {
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) ? -1 : (a == b ? 0 : 1)
        }
        return nil
    }

    /// Converts a value for `type`, or says why it cannot be stored there.
    public func coerced(to type: TopicColumnType, field: String) throws(TopicError) -> TopicValue {
        switch (type, self) {
        case (_, .null): return .null
        case (.text, .text): return self
        case (.text, _): return .text(text ?? "")
        case (.integer, .integer): return self
        case (.integer, .real(let d)) where d == d.rounded() && abs(d) < 9e18: return .integer(Int64(d))
        case (.real, .integer(let i)): return .real(Double(i))
        case (.real, .real): return self
        case (.boolean, .bool): return self
        case (.timestamp, .text(let s)):
            guard let t = TopicTime.normalize(s) else {
                throw TopicError.invalid("invalid_value", "'\(field)' must be an ISO 8601 time such as 2026-01-02T03:04:05Z, not '\(s)'")
            }
            return .text(t)
        default:
            throw TopicError.invalid("invalid_value", "'\(field)' must be \(type.article), not \(kindName)")
        }
    }

    /// Reads a filter or config value written as text for a column of `type`.
    public static func parse(_ s: String, as type: TopicColumnType) -> TopicValue? {
        switch type {
        case .text: return .text(s)
        case .integer: return Int64(s).map(TopicValue.integer)
        case .real: return Double(s).flatMap { $0.isFinite ? .real($0) : nil }
        case .boolean:
            switch s.lowercased() {
            case "true", "1", "yes": return .bool(true)
            case "false", "0", "no": return .bool(false)
            default: return nil
            }
        // Prefixes such as `2026-04` compare correctly as text, so any text is accepted.
        case .timestamp: return .text(TopicTime.normalize(s) ?? s)
        }
    }

    var kindName: String {
        switch self {
        case .null: "null"
        case .text: "a string"
        case .integer, .real: "a number"
        case .bool: "a boolean"
        }
    }
}

extension TopicColumnType {
    var article: String {
        switch self {
        case .text: "a string"
        case .integer: "a whole number"
        case .real: "a number"
        case .boolean: "true or false"
        case .timestamp: "an ISO 8601 time"
        }
    }
}

/// Times as topics keep them: ISO 8601, UTC, always with milliseconds, so text order is time order.
package enum TopicTime {
    package static func format(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = ms.quotient(1000)
        let millis = ms - seconds * 1000
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        // By hand rather than String(format:): this runs for every message.
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func digits(_ value: Int, _ width: Int) {
            let limit = width == 4 ? 10_000 : (width == 3 ? 1_000 : 100)
            guard value >= 0 && value < limit else {
                out += Array(String(value).utf8)
                return
            }
            var divisor = limit / 10
            while divisor > 0 {
                out.append(UInt8(48 + (value / divisor) % 10))
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4)
        out.append(45)
        digits(Int(parts.tm_mon) + 1, 2)
        out.append(45)
        digits(Int(parts.tm_mday), 2)
        out.append(84)
        digits(Int(parts.tm_hour), 2)
        out.append(58)
        digits(Int(parts.tm_min), 2)
        out.append(58)
        digits(Int(parts.tm_sec), 2)
        out.append(46)
        digits(Int(millis), 3)
        out.append(90)
        return String(decoding: out, as: UTF8.self)
    }

    /// A full ISO 8601 time (any offset, optional fraction) rewritten in the stored form.
    package static func normalize(_ s: String) -> String? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        guard let date = withFraction.date(from: s) ?? plain.date(from: s) else { return nil }
        return format(date)
    }
}

extension Int64 {
    /// Floor division, so times before 1970 still get a fraction in 0..<1000.
    fileprivate func quotient(_ d: Int64) -> Int64 { self >= 0 ? self / d : -((-self + d - 1) / d) }
}

/// A row of a topic table: `id`, `user`, `timestamp` and the configured columns.
public struct TopicRow: Sendable, Equatable, Codable {
    public var values: [String: TopicValue]
    public init(_ values: [String: TopicValue] = [:]) { self.values = values }
    public subscript(_ field: String) -> TopicValue {
        get { values[field] ?? .null }
        set { values[field] = newValue }
    }
    public var id: String { values["id"]?.text ?? "" }
    public var user: String? { values["user"]?.text }

    /// A new row id: a random UUID's 16 bytes in URL-safe base64 without padding (22 characters).
    public static func makeID() -> String {
        let u = UUID().uuid
        return base64URL([u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15])
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// URL-safe base64 without padding, by hand: this runs for every message.
    static func base64URL(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int((n >> UInt32(shift)) & 63)]) }
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let n = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            for shift in [18, 12, 6].prefix(rest + 1) { out.append(alphabet[Int((n >> UInt32(shift)) & 63)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// What a committed write changed, in commit order (`revision` grows by one per write to the topic).
public struct TopicChange: Sendable, Equatable {
    public var method: TopicMethod
    /// The row as written (for DELETE: as it was).
    public var row: TopicRow
    /// For PUT: the row before the update, so subscribers whose filters matched it hear of the change.
    public var previous: TopicRow?
    public var revision: Int64
    /// The alert recorded with this write in its transaction, until it is in the outbox.
    public var alertID: Int64?
    public init(method: TopicMethod, row: TopicRow, previous: TopicRow? = nil, revision: Int64, alertID: Int64? = nil) {
        self.method = method
        self.row = row
        self.previous = previous
        self.revision = revision
        self.alertID = alertID
    }
}

/// Why a topic operation was refused; `code` is what clients match on.
public struct TopicError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case invalid, forbidden
        case notFound = "not_found"
        case unauthorized, unavailable
    }
    public var kind: Kind
    public var code: String
    public var message: String
    public init(_ kind: Kind, _ code: String, _ message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }
    public static func invalid(_ code: String, _ message: String) -> TopicError { .init(.invalid, code, message) }
    public static func forbidden(_ message: String, code: String = "forbidden") -> TopicError { .init(.forbidden, code, message) }
    public static func notFound(_ message: String) -> TopicError { .init(.notFound, "not_found", message) }
    public var description: String { "\(code): \(message)" }
}
