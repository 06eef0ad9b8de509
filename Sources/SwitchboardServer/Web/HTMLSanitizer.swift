import Foundation

/// Cleans HTML that people sent (an email's HTML part) by an allow-list before a page shows it:
/// only plain formatting tags are kept, only `href` (http, https, mailto) and `title`
/// attributes survive, and scripts, styles, frames, forms, objects, SVG and MathML are dropped
/// with their content. Everything else becomes escaped text. The result is still shown only
/// in a sandboxed frame without scripts, so a gap here is not a hole by itself.
///
/// A small tokenizer in the spirit of an HTML parser's tag states: `<` starts a tag only
/// before a letter, `/` or `!`; attribute values may be quoted either way or bare; character
/// references in a URL are decoded before its scheme is checked (`jav&#x61;script:`).
enum HTMLSanitizer {
    static let allowedTags: Set<String> = [
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2",
        "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong",
        "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    ]
    /// Dropped together with everything inside them.
    static let droppedWithContent: Set<String> = [
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript", "noembed", "template",
        "textarea", "select", "svg", "math", "head", "title", "xmp", "plaintext", "noframes",
    ]
    static let voidTags: Set<String> = ["br", "hr"]
    static let allowedSchemes = ["http:", "https:", "mailto:"]

    static func sanitize(_ html: String) -> String {
        var out = ""
        let s = Array(html.unicodeScalars)
        var i = 0
        var skipping: String?
        while i < s.count {
            let c = s[i]
            if c == "<", i + 1 < s.count, s[i + 1] == "!" {
                // Comments, doctypes, CDATA: dropped.
                if let end = find(Array("-->".unicodeScalars), in: s, from: i + 2), hasPrefix(s, i + 2, "--") {
                    i = end + 3
                } else {
                    i = (firstIndex(of: ">", in: s, from: i) ?? s.count - 1) + 1
                }
                continue
            }
            if c == "<", i + 1 < s.count, isLetter(s[i + 1]) || (s[i + 1] == "/" && i + 2 < s.count && isLetter(s[i + 2])) {
                let (read, next) = readTag(s, from: i)
                i = next
                // A tag the input ends inside is no tag (as in a browser): dropped.
                guard let tag = read else { continue }
                if let skip = skipping {
                    if tag.closing && tag.name == skip { skipping = nil }
                    continue
                }
                if droppedWithContent.contains(tag.name) {
                    if !tag.closing && !tag.selfClosing { skipping = tag.name }
                    continue
                }
                guard allowedTags.contains(tag.name) else { continue }
                out += render(tag)
                continue
            }
            i += 1
            if skipping != nil { continue }
            out += escapeText(c, s, i - 1)
        }
        return out
    }

    struct Tag {
        var name: String
        var closing: Bool
        var selfClosing: Bool
        var attributes: [(String, String)]
    }

    static func render(_ tag: Tag) -> String {
        if tag.closing { return voidTags.contains(tag.name) ? "" : "</\(tag.name)>" }
        var out = "<\(tag.name)"
        for (name, value) in tag.attributes {
            switch name {
            case "href" where tag.name == "a":
                guard let url = safeURL(value) else { continue }
                out += " href=\"\(escapeAttribute(url))\" rel=\"noopener noreferrer\""
            case "title":
                out += " title=\"\(escapeAttribute(decodeReferences(value)))\""
            default:
                continue
            }
        }
        return out + ">"
    }

    /// The URL if its scheme is allowed, after references are decoded and the characters
    /// browsers ignore in a scheme (whitespace, controls) are removed.
    static func safeURL(_ raw: String) -> String? {
        let decoded = decodeReferences(raw)
        let compact = String(String.UnicodeScalarView(decoded.unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F }))
        let lower = compact.lowercased()
        guard allowedSchemes.contains(where: { lower.hasPrefix($0) }) else { return nil }
        return compact
    }

    static func readTag(_ s: [Unicode.Scalar], from start: Int) -> (Tag?, Int) {
        var i = start + 1
        var closing = false
        if s[i] == "/" {
            closing = true
            i += 1
        }
        var name = ""
        while i < s.count, !isSpace(s[i]), s[i] != ">", s[i] != "/" {
            name.unicodeScalars.append(s[i])
            i += 1
        }
        var attributes: [(String, String)] = []
        var selfClosing = false
        while i < s.count, s[i] != ">" {
            if isSpace(s[i]) {
                i += 1
                continue
            }
            if s[i] == "/" {
                selfClosing = true
                i += 1
                continue
            }
            var attribute = ""
            while i < s.count, !isSpace(s[i]), s[i] != ">", s[i] != "=", s[i] != "/" {
                attribute.unicodeScalars.append(s[i])
                i += 1
            }
            while i < s.count, isSpace(s[i]) { i += 1 }
            var value = ""
            if i < s.count, s[i] == "=" {
                i += 1
                while i < s.count, isSpace(s[i]) { i += 1 }
                if i < s.count, s[i] == "\"" || s[i] == "'" {
                    let quote = s[i]
                    i += 1
                    while i < s.count, s[i] != quote {
                        value.unicodeScalars.append(s[i])
                        i += 1
                    }
                    i += 1
                } else {
                    while i < s.count, !isSpace(s[i]), s[i] != ">" {
                        value.unicodeScalars.append(s[i])
                        i += 1
                    }
                }
            }
            if !attribute.isEmpty { attributes.append((attribute.lowercased(), value)) }
        }
        guard i < s.count else { return (nil, s.count) }
        return (Tag(name: name.lowercased(), closing: closing, selfClosing: selfClosing, attributes: attributes), i + 1)
    }

    /// Text is copied with `<`, `>` and quotes escaped; `&` stays only where it starts a
    /// character reference.
    static func escapeText(_ c: Unicode.Scalar, _ s: [Unicode.Scalar], _ index: Int) -> String {
        switch c {
        case "<": return "&lt;"
        case ">": return "&gt;"
        case "\"": return "&quot;"
        case "&": return startsReference(s, index) ? "&" : "&amp;"
        default: return String(c)
        }
    }

    static func escapeAttribute(_ value: String) -> String {
        var out = ""
        for c in value.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// `&name;`, `&#123;` or `&#x1F;` at `index`.
    static func startsReference(_ s: [Unicode.Scalar], _ index: Int) -> Bool {
        var i = index + 1
        var count = 0
        if i < s.count, s[i] == "#" {
            i += 1
            if i < s.count, s[i] == "x" || s[i] == "X" { i += 1 }
        }
        while i < s.count, count < 32, isLetter(s[i]) || ("0"..."9").contains(s[i]) {
            i += 1
            count += 1
        }
        return count > 0 && i < s.count && s[i] == ";"
    }

    /// Numeric references and the few named ones a URL could hide a scheme with.
    static func decodeReferences(_ text: String) -> String {
        let named: [String: String] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "colon": ":", "tab": "\t", "newline": "\n"]
        var out = ""
        let s = Array(text.unicodeScalars)
        var i = 0
        while i < s.count {
            if s[i] == "&" {
                var j = i + 1
                var body = ""
                while j < s.count, j - i < 34, s[j] != ";", s[j] != "&", !isSpace(s[j]) {
                    body.unicodeScalars.append(s[j])
                    j += 1
                }
                let terminated = j < s.count && s[j] == ";"
                var decoded: String?
                if body.hasPrefix("#x") || body.hasPrefix("#X") {
                    decoded = UInt32(body.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) }
                } else if body.hasPrefix("#") {
                    decoded = UInt32(body.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init).map { String($0) }
                } else {
                    decoded = named[body.lowercased()]
                }
                if let decoded, terminated || body.hasPrefix("#") {
                    out += decoded
                    i = terminated ? j + 1 : j
                    continue
                }
            }
            out.unicodeScalars.append(s[i])
            i += 1
        }
        return out
    }

    static func isLetter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
    static func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0C}" }

    static func firstIndex(of c: Unicode.Scalar, in s: [Unicode.Scalar], from start: Int) -> Int? {
        var i = start
        while i < s.count {
            if s[i] == c { return i }
            i += 1
        }
        return nil
    }

    static func hasPrefix(_ s: [Unicode.Scalar], _ at: Int, _ prefix: String) -> Bool {
        let p = Array(prefix.unicodeScalars)
        return at + p.count <= s.count && Array(s[at..<(at + p.count)]) == p
    }

    static func find(_ needle: [Unicode.Scalar], in s: [Unicode.Scalar], from start: Int) -> Int? {
        guard needle.count <= s.count else { return nil }
        var i = start
        while i + needle.count <= s.count {
            if Array(s[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}
