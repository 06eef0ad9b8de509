import Foundation

/// Small text helpers shared by the MIME writer and reader: line splitting, base64 wrapped
/// at 76 characters, header folding, charsets, and the choice of transfer encoding.
enum MIMEText {
    /// Splits on CRLF, LF or a lone CR, so every kind of line ending becomes CRLF on output.
    static func lines(_ text: String) -> [Substring] {
        var out: [Substring] = []
        var start = text.startIndex
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            // "\r\n" is one Character in Swift, so CRLF, LF and CR are all single characters here.
            if c == "\r\n" || c == "\n" || c == "\r" {
                out.append(text[start..<i])
                i = text.index(after: i)
                start = i
            } else {
                i = text.index(after: i)
            }
        }
        out.append(text[start..<text.endIndex])
        return out
    }

    /// The text with every line ending made CRLF.
    static func crlf(_ text: String) -> String { lines(text).joined(separator: "\r\n") }

    /// Base64 in lines of 76 characters joined by CRLF (RFC 2045 section 6.8).
    static func base64Lines(_ data: Data) -> String {
        let encoded = data.base64EncodedString()
        var out: [Substring] = []
        var start = encoded.startIndex
        while start < encoded.endIndex {
            let end = encoded.index(start, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            out.append(encoded[start..<end])
            start = end
        }
        return out.joined(separator: "\r\n")
    }

    /// `Name: value`, folded at spaces so lines stay within 78 characters where the value
    /// allows it (a long word is never split; it only gets a line of its own).
    static func header(_ name: String, _ value: String) -> String {
        let limit = 78
        var out = ""
        var line = name + ":"
        for word in value.split(separator: " ", omittingEmptySubsequences: false) {
            if line.utf8.count + 1 + word.utf8.count > limit && line.utf8.count > name.utf8.count + 1 {
                out += line + "\r\n"
                line = " " + word
            } else {
                line += " " + word
            }
        }
        return out + line + "\r\n"
    }

    /// How a text body travels: 7bit when it is short-lined ASCII, quoted-printable when it
    /// is mostly ASCII, base64 otherwise (smaller for non-Latin scripts).
    enum TransferEncoding: String {
        case sevenBit = "7bit"
        case quotedPrintable = "quoted-printable"
        case base64
    }

    static func transferEncoding(for text: String) -> TransferEncoding {
        let bytes = text.utf8
        let ascii = bytes.filter { $0 < 128 }.count
        let hasControl = bytes.contains { ($0 < 32 && $0 != 9 && $0 != 10 && $0 != 13) || $0 == 127 }
        if ascii == bytes.count && !hasControl && lines(text).allSatisfy({ $0.utf8.count <= 998 }) { return .sevenBit }
        return Double(ascii) / Double(max(bytes.count, 1)) >= 0.8 ? .quotedPrintable : .base64
    }

    static func encodeBody(_ text: String, _ encoding: TransferEncoding) -> String {
        switch encoding {
        case .sevenBit: crlf(text)
        case .quotedPrintable: QuotedPrintable.encode(text)
        case .base64: base64Lines(Data(crlf(text).utf8))
        }
    }
}
