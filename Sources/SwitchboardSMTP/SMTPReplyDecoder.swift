import NIOCore

/// Frames the server's byte stream into `SMTPReply` values.
///
/// ```
/// 250-mail.example.org Hello      <- "250-": more lines follow
/// 250-SIZE 10240000
/// 250 AUTH PLAIN LOGIN            <- "250 ": last line; one SMTPReply with three lines
/// ```
///
/// Lines end in CRLF (a bare LF is accepted). A line may be just the code (`250`). Every line
/// of one reply must carry the same code. A line longer than `maxLineLength` or a reply of
/// more than `maxLines` lines is an error rather than unbounded buffering: the peer is not
/// an SMTP server we want to talk to.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply

    static let maxLineLength = 4096
    static let maxLines = 200

    private var pending: (code: Int, lines: [String])?

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let reply = try next(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(reply))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial reply at close is dropped; the handler learns of the close itself.
        while let reply = try next(&buffer) { context.fireChannelRead(Self.wrapInboundOut(reply)) }
        buffer.clear()
        return .needMoreData
    }

    /// Consumes lines from `buffer` until a reply is complete; `nil` when more bytes are needed.
    mutating func next(_ buffer: inout ByteBuffer) throws(SMTPProtocolError) -> SMTPReply? {
        while true {
            guard let lf = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
                if buffer.readableBytes > Self.maxLineLength { throw SMTPProtocolError("reply line longer than \(Self.maxLineLength) bytes") }
                return nil
            }
            let length = lf - buffer.readerIndex
            guard length <= Self.maxLineLength else { throw SMTPProtocolError("reply line longer than \(Self.maxLineLength) bytes") }
            var bytes = buffer.readBytes(length: length + 1)!
            bytes.removeLast()
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            let (code, last, text) = try Self.parseLine(bytes)
            if let p = pending, p.code != code {
                throw SMTPProtocolError("reply line with code \(code) inside a reply with code \(p.code)")
            }
            var lines = pending?.lines ?? []
            lines.append(text)
            if last {
                pending = nil
                return SMTPReply(code: code, lines: lines)
            }
            guard lines.count < Self.maxLines else { throw SMTPProtocolError("reply of more than \(Self.maxLines) lines") }
            pending = (code, lines)
        }
    }

    static func parseLine(_ bytes: [UInt8]) throws(SMTPProtocolError) -> (code: Int, last: Bool, text: String) {
        guard bytes.count >= 3, bytes[0...2].allSatisfy({ $0 >= 48 && $0 <= 57 }), (2...5).contains(bytes[0] - 48) else {
            throw SMTPProtocolError("not an SMTP reply line: '\(String(decoding: bytes.prefix(80), as: UTF8.self))'")
        }
        let code = Int(bytes[0] - 48) * 100 + Int(bytes[1] - 48) * 10 + Int(bytes[2] - 48)
        if bytes.count == 3 { return (code, true, "") }
        switch bytes[3] {
        case UInt8(ascii: "-"): return (code, false, String(decoding: bytes[4...], as: UTF8.self))
        case UInt8(ascii: " "): return (code, true, String(decoding: bytes[4...], as: UTF8.self))
        default: throw SMTPProtocolError("reply line with '\(Character(Unicode.Scalar(bytes[3])))' after the code")
        }
    }
}

/// The peer broke the SMTP framing: treated as a transient failure of the connection.
struct SMTPProtocolError: Error, Equatable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
