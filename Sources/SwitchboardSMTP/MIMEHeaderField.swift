import Foundation

/// A structured MIME header value read apart: `text/plain; charset="utf-8"; name*=UTF-8''%C3%A6`.
///
/// Why its own type: Content-Type and Content-Disposition share this grammar, and file names
/// arrive in three spellings (quoted, RFC 2231 with continuations, RFC 2047 inside quotes);
/// the reader accepts all three so the inbox shows the name the sender meant.
struct MIMEHeaderField: Equatable {
    /// The part before the first `;`, lower-cased (`text/plain`, `attachment`).
    var value: String
    /// Parameter names lower-cased, values decoded.
    var parameters: [String: String]

    init(value: String, parameters: [String: String] = [:]) {
        self.value = value
        self.parameters = parameters
    }

    init(parsing header: String) {
        let items = Self.splitParameters(header)
        value = (items.first ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        var plain: [String: String] = [:]
        var extended: [String: [Int: (String, Bool)]] = [:]
        for item in items.dropFirst() {
            guard let eq = item.firstIndex(of: "=") else { continue }
            var name = item[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            var raw = item[item.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if raw.hasPrefix("\""), raw.hasSuffix("\""), raw.count >= 2 {
                raw = String(raw.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
                    .replacingOccurrences(of: "\\\\", with: "\\")
            }
            // RFC 2231: name*=charset'lang'value, name*0=…, name*1*=…
            var encoded = false
            if name.hasSuffix("*") {
                encoded = true
                name.removeLast()
            }
            if let star = name.lastIndex(of: "*"), let index = Int(name[name.index(after: star)...]) {
                extended[String(name[..<star]), default: [:]][index] = (raw, encoded)
            } else if encoded {
                extended[name, default: [:]][0] = (raw, true)
            } else {
                plain[name] = raw
            }
        }
        for (name, sections) in extended {
            var charset = "utf-8"
            var bytes: [UInt8] = []
            for index in sections.keys.sorted() {
                guard let (raw, encoded) = sections[index] else { continue }
                var text = Substring(raw)
                if index == sections.keys.min(), encoded {
                    let pieces = raw.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                    if pieces.count == 3 {
                        charset = pieces[0].isEmpty ? "utf-8" : String(pieces[0])
                        text = pieces[2]
                    }
                }
                bytes += encoded ? Self.percentDecode(text) : Array(text.utf8)
            }
            plain[name] = MIMECharset.decode(bytes, charset: charset)
        }
        // A name=/filename= written as encoded-words (the common non-standard fallback).
        parameters = plain.mapValues { $0.contains("=?") ? EncodedWord.decode($0) : $0 }
    }

    /// Splits on `;` outside quoted strings.
    static func splitParameters(_ s: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for c in s {
            if escaped {
                current.append(c)
                escaped = false
                continue
            }
            if c == "\\" && quoted {
                current.append(c)
                escaped = true
                continue
            }
            if c == "\"" { quoted.toggle() }
            if c == ";" && !quoted {
                out.append(current)
                current = ""
                continue
            }
            current.append(c)
        }
        out.append(current)
        return out
    }

    static func percentDecode(_ s: Substring) -> [UInt8] {
        var out: [UInt8] = []
        let bytes = Array(s.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count,
                let h = QuotedPrintable.hexValue(bytes[i + 1]), let l = QuotedPrintable.hexValue(bytes[i + 2])
            {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }
}
