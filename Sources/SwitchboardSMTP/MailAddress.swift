import SwitchboardCore

/// One mailbox as it appears in a header: an optional display name and an address
/// (`Kari Nordmann <kari@example.org>`).
///
/// Why a type of its own: the display name may be non-ASCII (it is then written as RFC 2047
/// encoded-words) or contain specials (then quoted), and both parts must be checked for line
/// breaks before they reach a header. The address itself is checked with Core's `Address`
/// rules, so the hub accepts the same addresses everywhere.
package struct MailAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    package var name: String?
    /// `local@domain`, domain lower-cased.
    package var address: String

    package init(_ address: String, name: String? = nil) throws(MIMEError) {
        try MIMEError.checkHeaderValue(address, field: "email address")
        if let name { try MIMEError.checkHeaderValue(name, field: "display name") }
        let parsed: Address
        do { parsed = try Address(parsing: "mailto:" + address.trimmingCharacters(in: .whitespaces)) } catch {
            throw .invalidAddress(address, error.reason)
        }
        guard !address.contains(where: { "<>\" ,;".contains($0) }) else {
            throw .invalidAddress(address, "must be a bare address such as a@example.org")
        }
        self.address = parsed.value
        let trimmed = name?.trimmingCharacters(in: .whitespaces)
        self.name = (trimmed?.isEmpty ?? true) ? nil : trimmed
    }

    /// Reads `a@b.org`, `<a@b.org>`, `Name <a@b.org>` or `"Last, First" <a@b.org>`.
    package init(parsing text: String) throws(MIMEError) {
        try MIMEError.checkHeaderValue(text, field: "email address")
        let t = text.trimmingCharacters(in: .whitespaces)
        guard let open = t.lastIndex(of: "<") else {
            try self.init(t)
            return
        }
        guard t.hasSuffix(">") else { throw .invalidAddress(text, "'<' without a closing '>' at the end") }
        let inner = String(t[t.index(after: open)..<t.index(before: t.endIndex)])
        var name = t[..<open].trimmingCharacters(in: .whitespaces)
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
            name = String(name.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
                .replacingOccurrences(of: "\\\\", with: "\\")
        }
        try self.init(inner, name: name.isEmpty ? nil : name)
    }

    /// The part after `@`, for Message-IDs.
    package var domain: String { address.split(separator: "@").last.map(String.init) ?? "localhost" }

    /// As a header value: the address alone, or the (quoted or encoded) name and `<address>`.
    package var headerValue: String {
        guard let name else { return address }
        return "\(Self.phrase(name)) <\(address)>"
    }

    package var description: String { headerValue }

    /// A display name as an RFC 5322 phrase: bare atoms when safe, a quoted string when it
    /// has specials, encoded-words when it is not ASCII.
    static func phrase(_ name: String) -> String {
        if !name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 32 && $0.value < 127 }) || name.contains("=?") {
            return EncodedWord.encode(name, firstLineUsed: 0, context: .phrase).joined(separator: " ")
        }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~ ")
        if name.allSatisfy({ atext.contains($0) }) { return name }
        return "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
