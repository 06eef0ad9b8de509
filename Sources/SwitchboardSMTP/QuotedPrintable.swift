/// Quoted-printable (RFC 2045 section 6.7): how a mostly-ASCII body with a few non-ASCII
/// characters stays readable and 7-bit clean.
///
/// ```
/// Gr=C3=BC=C3=9Fe fra Troms=C3=B8=     <- soft line break: the line goes on
///  og resten av teksten               <- lines are at most 76 characters
/// ```
///
/// The input's line breaks (LF, CRLF or CR) become hard CRLF breaks; space or tab at the end of
/// a line is encoded so transports that strip trailing blanks cannot change the text.
enum QuotedPrintable {
    static let maxLineLength = 76

    static func encode(_ text: String) -> String {
        var out = ""
        let lines = MIMEText.lines(text)
        for (i, line) in lines.enumerated() {
            var current = ""
            let bytes = Array(line.utf8)
            for (j, b) in bytes.enumerated() {
                let isLast = j == bytes.count - 1
                var piece: String
                if (b >= 33 && b <= 126 && b != UInt8(ascii: "=")) || ((b == 32 || b == 9) && !isLast) {
                    piece = String(Unicode.Scalar(b))
                } else {
                    piece = "=" + EncodedWord.hex(b)
                }
                // A line that starts with "." or "From " is left to SMTP dot-stuffing; nothing to do here.
                if current.utf8.count + piece.utf8.count > maxLineLength - 1 {
                    out += current + "=\r\n"
                    current = ""
                }
                current += piece
            }
            out += current
            if i < lines.count - 1 { out += "\r\n" }
        }
        return out
    }

    /// Decodes quoted-printable bytes; `underscoreIsSpace` for RFC 2047 Q words. Malformed
    /// escapes are kept as they are, as RFC 2045 suggests for robust readers.
    static func decode(_ input: [UInt8], underscoreIsSpace: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            let b = input[i]
            if b == UInt8(ascii: "=") {
                // Soft line break: "=" then optional blanks then CRLF or LF.
                var j = i + 1
                while j < input.count, input[j] == 32 || input[j] == 9 { j += 1 }
                if j < input.count, input[j] == 13 || input[j] == 10 {
                    i = (input[j] == 13 && j + 1 < input.count && input[j + 1] == 10) ? j + 2 : j + 1
                    continue
                }
                if j == input.count {
                    i = j
                    continue
                }
                if i + 2 < input.count, let h = hexValue(input[i + 1]), let l = hexValue(input[i + 2]) {
                    out.append(h << 4 | l)
                    i += 3
                    continue
                }
                out.append(b)
                i += 1
            } else if underscoreIsSpace && b == UInt8(ascii: "_") {
                out.append(32)
                i += 1
            } else {
                out.append(b)
                i += 1
            }
        }
        return out
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
