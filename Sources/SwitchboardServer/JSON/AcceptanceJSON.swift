import NIOCore

/// The 202 answer to a send, written straight into a buffer.
///
/// Why not `JSONEncoder`: the acceptance is the one answer on the accept path of every message,
/// and the API's encoder (snake_case conversion, sorted keys) spent about 14 µs of a node's CPU
/// per message on a batch of 100 — a tenth of what accepting costs (`perf`, README "Several
/// nodes on PostgreSQL"). The output is byte for byte what `JSONCoding.encoder()` writes for the
/// same views (keys sorted, snake_case, `/` unescaped); `AcceptanceJSONTests` holds it to that,
/// strings with every control character, quotes, backslashes and non-ASCII text included.
enum AcceptanceJSON {
    /// `{"messages":[…]}`, as `BatchAcceptanceView` encodes.
    static func batch(_ views: [AcceptanceView]) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(32 + views.count * 160)
        out.writeStaticString("{\"messages\":[")
        for (i, view) in views.enumerated() {
            if i > 0 { out.writeInteger(UInt8(ascii: ",")) }
            write(view, into: &out)
        }
        out.writeStaticString("]}")
        return out
    }

    /// One acceptance, as `AcceptanceView` encodes.
    static func single(_ view: AcceptanceView) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(160)
        write(view, into: &out)
        return out
    }

    static func write(_ view: AcceptanceView, into out: inout ByteBuffer) {
        out.writeStaticString("{\"deliveries\":[")
        for (i, d) in view.deliveries.enumerated() {
            if i > 0 { out.writeInteger(UInt8(ascii: ",")) }
            out.writeStaticString("{\"address\":")
            writeString(d.address, into: &out)
            out.writeStaticString(",\"channel\":")
            writeString(d.channel, into: &out)
            out.writeStaticString(",\"id\":")
            writeString(d.id, into: &out)
            out.writeStaticString(",\"status\":")
            writeString(d.status, into: &out)
            out.writeInteger(UInt8(ascii: "}"))
        }
        out.writeStaticString("],\"id\":")
        writeString(view.id, into: &out)
        out.writeStaticString(",\"warnings\":[")
        for (i, warning) in view.warnings.enumerated() {
            if i > 0 { out.writeInteger(UInt8(ascii: ",")) }
            writeString(warning, into: &out)
        }
        out.writeStaticString("]}")
    }

    /// A JSON string as the API's encoder writes it: `"` and `\` escaped, the short escapes
    /// for backspace, form feed, newline, return and tab, `\u00xx` (lowercase hex) for the other
    /// control characters, everything else (`/` and non-ASCII included) as it is, in UTF-8.
    static func writeString(_ text: String, into out: inout ByteBuffer) {
        out.writeInteger(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for (i, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                if start < i { out.writeBytes(bytes[start..<i]) }
                writeEscape(byte, into: &out)
                start = i + 1
            }
            if start < bytes.count { out.writeBytes(bytes[start...]) }
        }
        out.writeInteger(UInt8(ascii: "\""))
    }

    private static func writeEscape(_ byte: UInt8, into out: inout ByteBuffer) {
        switch byte {
        case UInt8(ascii: "\""): out.writeStaticString("\\\"")
        case UInt8(ascii: "\\"): out.writeStaticString("\\\\")
        case 0x08: out.writeStaticString("\\b")
        case 0x0C: out.writeStaticString("\\f")
        case UInt8(ascii: "\n"): out.writeStaticString("\\n")
        case UInt8(ascii: "\r"): out.writeStaticString("\\r")
        case UInt8(ascii: "\t"): out.writeStaticString("\\t")
        default:
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            out.writeStaticString("\\u00")
            out.writeInteger(hex[Int(byte >> 4)])
            out.writeInteger(hex[Int(byte & 0x0F)])
        }
    }
}
