import Foundation
import SwitchboardCore

/// A URL or body pattern for an HTTP SMS gateway: literal text with `{to}`, `{to_digits}`,
/// `{from}`, `{text}` and `{id}` filled in per delivery.
///
/// Why a type: the values come from message authors, so each is escaped for where it lands
/// (percent-encoded for URLs and form bodies, JSON-escaped for JSON bodies) and a `&`, `#`,
/// `=`, `+` or newline in a message can never add a parameter or cut the URL short. The
/// template's own text is used as written. It is parsed once, at configuration time, and
/// filled in a single pass, so a value that looks like `{to}` stays literal text.
package struct GatewayTemplate: Sendable, Equatable, CustomStringConvertible {
    /// The values a template can name.
    package enum Placeholder: String, Sendable, CaseIterable {
        case to
        case toDigits = "to_digits"
        case from, text, id
    }

    /// How values are escaped.
    package enum Escaping: Sendable, Equatable {
        /// RFC 3986 percent-encoding of UTF-8, leaving only unreserved `A-Z a-z 0-9 - . _ ~`;
        /// right in a URL and in an `application/x-www-form-urlencoded` body.
        case percent
        /// Escaped as the inside of a JSON string (the template supplies the quotes).
        case json
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        case value(Placeholder)
    }

    let segments: [Segment]
    /// The template as written.
    package let description: String

    /// Parses `{name}` placeholders. Braces not around a lower-case name (a JSON body's
    /// `{"to": …}`) are literal text; a lower-case name that is not a placeholder is an error,
    /// so a typo such as `{txet}` is reported instead of sent.
    package init(_ template: String) throws(TemplateError) {
        description = template
        var segments: [Segment] = []
        var literal = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            literal += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "}"),
                case let name = after[..<close], !name.isEmpty,
                name.allSatisfy({ ($0.isASCII && $0.isLowercase) || $0 == "_" })
            {
                guard let p = Placeholder(rawValue: String(name)) else {
                    let known = Placeholder.allCases.map { "{\($0.rawValue)}" }.joined(separator: ", ")
                    throw TemplateError(message: "unknown placeholder {\(name)}; known: \(known)")
                }
                if !literal.isEmpty {
                    segments.append(.literal(literal))
                    literal = ""
                }
                segments.append(.value(p))
                rest = after[after.index(after: close)...]
            } else {
                literal += "{"
                rest = after
            }
        }
        literal += rest
        if !literal.isEmpty { segments.append(.literal(literal)) }
        self.segments = segments
    }

    /// The placeholders the template uses.
    package var placeholders: Set<Placeholder> {
        Set(segments.compactMap { if case .value(let p) = $0 { p } else { nil } })
    }

    /// The template with every placeholder replaced by its escaped value (missing ones are empty).
    package func render(_ values: [Placeholder: String], escaping: Escaping) -> String {
        segments.map { segment in
            switch segment {
            case .literal(let s): s
            case .value(let p): Self.escape(values[p] ?? "", escaping)
            }
        }.joined()
    }

    package static func escape(_ value: String, _ escaping: Escaping) -> String {
        switch escaping {
        case .percent: percentEncode(value)
        case .json: jsonEscape(value)
        }
    }

    /// RFC 3986 percent-encoding: every UTF-8 byte outside the unreserved set becomes `%XX`.
    package static func percentEncode(_ value: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The inside of a JSON string literal (RFC 8259): quote, backslash and control characters escaped.
    package static func jsonEscape(_ value: String) -> String {
        var out = ""
        TextEncoding.escapeJSON(value, into: &out)
        return out
    }
}

/// Why a template cannot be used.
package struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}
