import NIOCore

/// Prepares a message for the DATA phase (RFC 5321 sections 4.5.2 and 4.1.1.4).
///
/// ```
/// in:   "a\n.hidden\r\n..x\rlast"
/// out:  "a\r\n..hidden\r\n...x\r\nlast\r\n.\r\n"
/// ```
///
/// Every line ending (LF, CR or CRLF) becomes CRLF, a line starting with "." gets a second
/// ".", and the terminator `.` line is added. Without this a line holding a single "." would
/// end the message early and the rest would be read as SMTP commands.
enum SMTPDataStuffing {
    static func stuff(_ message: some Collection<UInt8>) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(message.count + message.count / 50 + 8)
        var atLineStart = true
        var previousCR = false
        for b in message {
            if b == UInt8(ascii: "\n") {
                if !previousCR { out.writeStaticString("\r\n") }
                previousCR = false
                atLineStart = true
                continue
            }
            if b == UInt8(ascii: "\r") {
                out.writeStaticString("\r\n")
                previousCR = true
                atLineStart = true
                continue
            }
            previousCR = false
            if atLineStart && b == UInt8(ascii: ".") { out.writeInteger(UInt8(ascii: ".")) }
            atLineStart = false
            out.writeInteger(b)
        }
        if !atLineStart { out.writeStaticString("\r\n") }
        out.writeStaticString(".\r\n")
        return out
    }
}
