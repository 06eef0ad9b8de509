/// Small encoders used on hot paths (every request, every message), written out so that no
/// `String(format:)` runs per byte or per character.
package enum TextEncoding {
    static let hexDigits = Array("0123456789abcdef".utf8)

    /// Lower-case hex of `bytes`; a `-` before the bytes at `dashesBefore` (a UUID's 4, 6, 8, 10).
    package static func hex(_ bytes: some Sequence<UInt8>, dashesBefore: [Int] = []) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2 + dashesBefore.count)
        for (i, byte) in bytes.enumerated() {
            if dashesBefore.contains(i) { text.append(UInt8(ascii: "-")) }
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends the inside of a JSON string literal (RFC 8259): quote, backslash and control
    /// characters escaped, and U+2028/U+2029 too, so the text is also safe inside a script.
    package static func escapeJSON(_ s: String, into out: inout String) {
        var plain = true
        for u in s.utf8 where u < 0x20 || u == 0x22 || u == 0x5C || u == 0xE2 {
            plain = false
            break
        }
        if plain {
            out += s
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += "\\u"
                for shift in [12, 8, 4, 0] { out.unicodeScalars.append(Unicode.Scalar(hexDigits[Int((scalar.value >> UInt32(shift)) & 0xF)])) }
            default: out.unicodeScalars.append(scalar)
            }
        }
    }
}
