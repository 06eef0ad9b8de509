import Foundation

/// RFC 2047 encoded-words: how non-ASCII text goes into a header (subjects, display names,
/// the `name=` fallback of attachments).
///
/// ```
/// =?UTF-8?B?w4ZydWRlIMOYc3RlcmdhcmQ=?=      B: base64 of the UTF-8 bytes
/// =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_Oslo?=       Q: like quoted-printable, '_' is a space
/// ```
///
/// Each word is at most 75 characters and never splits a character's UTF-8 bytes across two
/// words (RFC 2047 section 5), so a long text becomes several words separated by spaces, which
/// the header folder may turn into line breaks. Q is chosen when the text is mostly ASCII
/// (readable in raw form), B otherwise (shorter for non-Latin scripts).
enum EncodedWord {
    /// Where the words go: a `phrase` (display name) allows fewer bare characters in Q.
    enum Context { case text, phrase }

    static let maxWordLength = 75
    /// `=?UTF-8?X?` + `?=`
    static let overhead = 12

    /// The text as encoded-words (at least one), each ≤ 75 characters. `firstLineUsed` is the
    /// room the header name takes on the first line, so the first word is shortened to fit 78.
    static func encode(_ text: String, firstLineUsed: Int = 0, context: Context = .text) -> [String] {
        let bytes = Array(text.utf8)
        let plain = bytes.filter { qSafe($0, context) }.count
        let useQ = bytes.isEmpty || Double(plain) / Double(bytes.count) >= 0.7
        var words: [String] = []
        // The first word shares its line with the header name, so it is kept shorter.
        var room: Int { maxWordLength - overhead - (words.isEmpty ? min(firstLineUsed, 40) : 0) }
        var current: [UInt8] = []
        func flush() {
            guard !current.isEmpty else { return }
            words.append(useQ ? "=?UTF-8?Q?\(qEncode(current, context))?=" : "=?UTF-8?B?\(Data(current).base64EncodedString())?=")
            current = []
        }
        for scalar in text.unicodeScalars {
            let unit = Array(String(scalar).utf8)
            let candidate = current + unit
            let length = useQ ? qEncode(candidate, context).utf8.count : (candidate.count + 2) / 3 * 4
            if length > room {
                flush()
                current = unit
            } else {
                current = candidate
            }
        }
        flush()
        return words.isEmpty ? ["=?UTF-8?Q??="] : words
    }

    static func qSafe(_ b: UInt8, _ context: Context) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: " "), UInt8(ascii: "!"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"):
            return true
        case UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: ";"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "&"), UInt8(ascii: "#"), UInt8(ascii: "%"):
            return context == .text
        default:
            return false
        }
    }

    static func qEncode(_ bytes: [UInt8], _ context: Context) -> String {
        var out = ""
        for b in bytes {
            if b == UInt8(ascii: " ") {
                out += "_"
            } else if qSafe(b, context) {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += "=" + hex(b)
            }
        }
        return out
    }

    static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
    }

    // MARK: - Decoding (inbound mail)

    /// Decodes every encoded-word in an unfolded header value; whitespace between two adjacent
    /// encoded-words is dropped, as RFC 2047 requires. Unknown charsets are read as Latin-1.
    static func decode(_ value: String) -> String {
        var out = ""
        var rest = Substring(value)
        var pendingSpace = ""
        var lastWasWord = false
        while !rest.isEmpty {
            if rest.hasPrefix("=?"), let (decoded, after) = decodeWord(rest) {
                if !lastWasWord { out += pendingSpace }
                pendingSpace = ""
                out += decoded
                rest = after
                lastWasWord = true
                continue
            }
            let c = rest.removeFirst()
            if c == " " || c == "\t" {
                pendingSpace.append(c)
            } else {
                out += pendingSpace
                pendingSpace = ""
                out.append(c)
                lastWasWord = false
            }
        }
        return out + pendingSpace
    }

    /// One `=?charset?enc?text?=` at the start of `s`, and what follows it.
    static func decodeWord(_ s: Substring) -> (String, Substring)? {
        let parts = s.dropFirst(2).split(separator: "?", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[3].hasPrefix("="), !parts[0].isEmpty else { return nil }
        let charset = parts[0].split(separator: "*").first.map { $0.lowercased() } ?? ""
        let encoding = parts[1].uppercased()
        let payload = parts[2]
        guard !payload.contains(" ") else { return nil }
        var bytes: [UInt8]
        switch encoding {
        case "B":
            var b64 = String(payload)
            while b64.utf8.count % 4 != 0 { b64 += "=" }
            guard let d = Data(base64Encoded: b64) else { return nil }
            bytes = Array(d)
        case "Q":
            bytes = QuotedPrintable.decode(Array(payload.utf8), underscoreIsSpace: true)
        default:
            return nil
        }
        let text = MIMECharset.decode(bytes, charset: charset)
        return (text, parts[3].dropFirst())
    }
}
