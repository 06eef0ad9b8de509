import Foundation

/// Where a page of a listing ended, as the text a client hands back for the next page: every
/// list's cursor is written and read here, so they all read alike and a change to the form is
/// made once. The fields are joined by `_`: times (seconds since 1970, as stores keep dates)
/// and whole numbers as Swift prints them, names in hexadecimal UTF-8 (no character of a name
/// can break the text or a URL's query).
///
/// ```
/// 1733500000.25_42          a time and a row (DeliveryCursor, ConversationCursor)
/// 1733500000.25_6a6f        a time and a name (TokenCursor: created, id "jo")
/// ```
///
/// A text that is not one the store made is `invalid/invalid_cursor`.
package protocol PageCursor: Sendable, Equatable {
    /// What each field is, in order.
    static var layout: [CursorField.Kind] { get }
    /// The cursor of these fields (in `layout`'s kinds), or `nil` when no page ends there (a
    /// row number below 1, an empty id).
    init?(fields: [CursorField])
    var fields: [CursorField] { get }
}

/// One field of a `PageCursor`.
package enum CursorField: Sendable, Equatable {
    /// Seconds since 1970; finite.
    case time(Double)
    case integer(Int64)
    /// Any text, written in hexadecimal UTF-8.
    case name(String)

    /// The kinds a cursor's `layout` names.
    package enum Kind: Sendable { case time, integer, name }

    var text: String {
        switch self {
        case .time(let value): "\(value)"
        case .integer(let value): "\(value)"
        case .name(let value): CursorHex.encode(value)
        }
    }

    init?(_ text: Substring, as kind: Kind) {
        switch kind {
        case .time:
            guard let value = Double(text), value.isFinite else { return nil }
            self = .time(value)
        case .integer:
            guard let value = Int64(text) else { return nil }
            self = .integer(value)
        case .name:
            guard let value = CursorHex.decode(text) else { return nil }
            self = .name(value)
        }
    }
}

extension PageCursor {
    /// Reads a `nextCursor`; anything else is `invalid/invalid_cursor`.
    package init(parsing text: String) throws(SwitchboardError) {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        var fields: [CursorField] = []
        if parts.count == Self.layout.count, !text.isEmpty {
            for (part, kind) in zip(parts, Self.layout) {
                guard let field = CursorField(part, as: kind) else { break }
                fields.append(field)
            }
        }
        guard fields.count == Self.layout.count, let cursor = Self(fields: fields) else {
            throw SwitchboardError.invalid("invalid_cursor", "cursor '\(text)' is not a next_cursor from an earlier page")
        }
        self = cursor
    }

    /// The text a page hands out as its `nextCursor`.
    package var text: String { fields.map(\.text).joined(separator: "_") }
}

/// Names in a cursor: hexadecimal UTF-8, lower-case digits only.
enum CursorHex {
    static func encode(_ text: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 2)
        for byte in text.utf8 {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: Substring) -> String? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let high = nibble(chars[i]), let low = nibble(chars[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
            i += 2
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
