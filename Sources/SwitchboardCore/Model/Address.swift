import Foundation

/// Where a message can be delivered: one party on one kind of channel.
///
/// Parsed from URI-like strings (`sms:+4712345678`, `mailto:a@b.org`, `xmpp:a@b.org`,
/// `user:alice`). Parsing rejects bad input with the reason, so an API caller learns what
/// to fix instead of getting a delivery that can never succeed.
public enum Address: Hashable, Sendable, CustomStringConvertible, Codable {
    /// An SMS party: an E.164 phone number stored with its leading `+`, or as a gateway
    /// reported it, a national number, short code or sender name (see `SMSNumberKind`).
    case sms(String)
    /// An email address (`mailto:`), stored as given but with a lower-cased domain.
    case email(String)
    /// A Jabber ID (`xmpp:`), bare or full.
    case xmpp(String)
    /// A login user of the hub; resolved through the user's linked contact.
    case user(String)

    public var scheme: String {
        switch self {
        case .sms: "sms"
        case .email: "mailto"
        case .xmpp: "xmpp"
        case .user: "user"
        }
    }

    /// The part after the scheme.
    public var value: String {
        switch self {
        case .sms(let v), .email(let v), .xmpp(let v), .user(let v): v
        }
    }

    public var description: String { "\(scheme):\(value)" }

    /// The channel this address is reached on; `nil` for `user:` which must be resolved first.
    public var channel: ChannelName? {
        switch self {
        case .sms: .sms
        case .email: .email
        case .xmpp: .im
        case .user: nil
        }
    }

    /// Reads an address exactly as `description` wrote it (`sms:+47…`, `mailto:…`, `xmpp:…`,
    /// `user:…`), as stores keep them. The value was checked when it was first parsed, so it
    /// is taken as it is: reading a batch of deliveries back should not parse every address
    /// again. `nil` for any other text; use `init(parsing:)` for input from people.
    public init?(canonical text: String) {
        let utf8 = text.utf8
        guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")), utf8.index(after: colon) < utf8.endIndex else { return nil }
        let value = String(text[text.index(after: colon)...])
        switch text[..<colon] {
        case "sms": self = .sms(value)
        case "mailto": self = .email(value)
        case "xmpp": self = .xmpp(value)
        case "user": self = .user(value)
        default: return nil
        }
    }

    /// Parses `scheme:value`. A bare `+4712345678` is read as `sms:` and a bare `a@b.org` as
    /// `mailto:`, as people type them in forms and on the command line.
    public init(parsing text: String) throws(AddressError) {
        let trimmed = text.trimmingBlanks
        guard !trimmed.isEmpty else { throw AddressError(text, "address is empty") }
        if trimmed.unicodeScalars.contains(where: \.isControlOrFormat) {
            throw AddressError(text, "address contains a control character")
        }
        guard let colon = trimmed.firstIndex(of: ":") else {
            if trimmed.hasPrefix("+") {
                self = try Self.parseSMS(trimmed, original: text)
                return
            }
            if trimmed.contains("@") {
                self = try Self.parseEmail(trimmed, original: text)
                return
            }
            throw AddressError(text, "expected scheme:value, e.g. sms:+4712345678 or mailto:a@b.org")
        }
        let scheme = trimmed[..<colon].lowercased()
        let value = String(trimmed[trimmed.index(after: colon)...])
        switch scheme {
        case "sms", "tel": self = try Self.parseSMS(value, original: text)
        case "mailto", "email": self = try Self.parseEmail(value, original: text)
        case "xmpp": self = try Self.parseXMPP(value, original: text)
        case "user": self = try Self.parseUser(value, original: text)
        default:
            throw AddressError(text, "unknown scheme '\(scheme)'; use sms:, mailto:, xmpp: or user:")
        }
    }

    static func parseSMS(_ value: String, original: String) throws(AddressError) -> Address {
        // The common case, read from the bytes: `+` and 7 to 15 ASCII digits, the first not 0.
        // Everything else (separators, errors) takes the general path below, which answers
        // the same for these.
        let utf8 = value.utf8
        if utf8.first == UInt8(ascii: "+"), (8...16).contains(utf8.count),
            utf8.dropFirst().allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            utf8.dropFirst().first != UInt8(ascii: "0")
        {
            return .sms(value)
        }
        // Accept common separators people type, but nothing else.
        let compact = value.filter { !" -().".contains($0) }
        guard compact.hasPrefix("+") else { return try parseSMSService(value, compact: compact, original: original) }
        let digits = compact.dropFirst()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw AddressError(original, "phone number may contain only digits after +")
        }
        guard digits.first != "0" else { throw AddressError(original, "country code cannot start with 0") }
        guard (7...15).contains(digits.count) else {
            throw AddressError(original, "phone number must have 7 to 15 digits, has \(digits.count)")
        }
        return .sms("+" + digits)
    }

    /// A national number with its trunk prefix (`sms:012345678`), a short code (`sms:2222`,
    /// 3 to 6 digits) or an alphanumeric sender name (`sms:Telenor`, 1 to 11 letters, digits,
    /// spaces or `.-_&'`, starting with a letter), as they arrive from gateways. Any other
    /// number must be international.
    static func parseSMSService(_ value: String, compact: String, original: String) throws(AddressError) -> Address {
        if compact.allSatisfy({ $0.isASCII && $0.isNumber }) {
            if compact.hasPrefix("0") && !compact.hasPrefix("00") && (7...15).contains(compact.count) {
                return .sms(compact)  // national, as an SMSC without unified-prefix reports it
            }
            guard (3...SMSNumberKind.maxShortCodeDigits).contains(compact.count) else {
                throw AddressError(original, "phone number must be in international E.164 form starting with + (or a short code of 3 to 6 digits)")
            }
            return .sms(compact)
        }
        let name = value.trimmingBlanks
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic, (1...11).contains(name.count),
            name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || $0.properties.numericType != nil || " .-_&'".unicodeScalars.contains($0) })
        else {
            throw AddressError(
                original,
                "phone number must be in international E.164 form starting with + (or a short code, or a sender name of 1 to 11 letters and digits)"
            )
        }
        return .sms(name)
    }

    static func parseEmail(_ value: String, original: String) throws(AddressError) -> Address {
        guard value.utf8.count <= 254 else { throw AddressError(original, "email address is longer than 254 characters") }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw AddressError(original, "email address must contain exactly one @") }
        let local = parts[0]
        let domain = parts[1]
        guard !local.isEmpty, local.utf8.count <= 64 else {
            throw AddressError(original, "email local part must have 1 to 64 characters")
        }
        // RFC 5322 atext and dots; anything beyond ASCII as SMTPUTF8 allows.
        guard local.unicodeScalars.allSatisfy({ $0.isASCIIAlphanumeric || "!#$%&'*+/=?^_`{|}~.-".unicodeScalars.contains($0) || $0.value > 127 }),
            !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..")
        else {
            throw AddressError(original, "email local part '\(local)' contains characters not allowed")
        }
        try validateDomain(domain, original: original, what: "email domain")
        return .email("\(local)@\(domain.lowercased())")
    }

    static func parseXMPP(_ value: String, original: String) throws(AddressError) -> Address {
        // node@domain/resource; node optional for server JIDs.
        var rest = Substring(value)
        var resource: Substring?
        if let slash = rest.firstIndex(of: "/") {
            resource = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            guard !(resource?.isEmpty ?? true) else { throw AddressError(original, "XMPP resource after / is empty") }
        }
        var node: Substring?
        var domain = rest
        if let at = rest.firstIndex(of: "@") {
            node = rest[..<at]
            domain = rest[rest.index(after: at)...]
            guard let n = node, !n.isEmpty, n.utf8.count <= 1023 else { throw AddressError(original, "XMPP localpart is empty") }
            guard !n.contains(where: { "\"&'/:<>@ ".contains($0) }) else {
                throw AddressError(original, "XMPP localpart '\(n)' contains a forbidden character")
            }
        }
        try validateDomain(domain, original: original, what: "XMPP domain")
        var jid = ""
        if let node { jid += node.lowercased() + "@" }
        jid += domain.lowercased()
        if let resource { jid += "/" + resource }
        return .xmpp(jid)
    }

    static func parseUser(_ value: String, original: String) throws(AddressError) -> Address {
        guard Username.isValid(value) else {
            throw AddressError(original, "username must be 1-64 characters of a-z, 0-9, '.', '_' or '-'")
        }
        return .user(value)
    }

    static func validateDomain(_ domain: Substring, original: String, what: String) throws(AddressError) {
        guard !domain.isEmpty, domain.utf8.count <= 253 else { throw AddressError(original, "\(what) is empty or too long") }
        for label in domain.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.utf8.count <= 63 else {
                throw AddressError(original, "\(what) '\(domain)' has an empty or too long label")
            }
            guard label.unicodeScalars.allSatisfy({ $0.value > 127 || $0.isASCIIAlphanumeric || $0 == "-" }),
                !label.hasPrefix("-"), !label.hasSuffix("-")
            else {
                throw AddressError(original, "\(what) '\(domain)' contains characters not allowed in a host name")
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try Address(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// Why a string is not a usable address.
public struct AddressError: Error, Sendable, Equatable, CustomStringConvertible {
    public let input: String
    public let reason: String
    init(_ input: String, _ reason: String) {
        self.input = input
        self.reason = reason
    }
    public var description: String { "invalid address '\(input)': \(reason)" }
}

/// Login names: short, lower-case, safe in URLs, addresses and logs.
package enum Username {
    package static func isValid(_ s: String) -> Bool {
        guard (1...64).contains(s.utf8.count) else { return false }
        return s.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 95 || $0 == 45 }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (Unicode space separators and U+0009,
    /// as `CharacterSet.whitespaces`), without a trip through Foundation when there are none.
    package var trimmingBlanks: String {
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last, first.isBlank || last.isBlank else { return self }
        guard let start = scalars.firstIndex(where: { !$0.isBlank }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.isBlank })!
        return String(scalars[start...end])
    }
}

extension Unicode.Scalar {
    /// A space or a tab (`CharacterSet.whitespaces`).
    var isBlank: Bool { self == "\t" || properties.generalCategory == .spaceSeparator }
    /// General category Cc or Cf (`CharacterSet.controlCharacters`).
    var isControlOrFormat: Bool {
        let category = properties.generalCategory
        return category == .control || category == .format
    }
    var isASCIIAlphanumeric: Bool {
        (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5A) || (value >= 0x61 && value <= 0x7A)
    }
}
