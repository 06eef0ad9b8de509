import NIOCore

/// Frames what an SMTP client sends into lines, without their CRLF (a bare LF is accepted).
///
/// ```
/// MAIL FROM:<a@b.org>\r\n  ->  "MAIL FROM:<a@b.org>"
/// ..stuffed line\r\n       ->  "..stuffed line"   (the state machine removes the stuffing)
/// ```
///
/// Commands and message lines share this framing; the server state machine knows which is
/// which. A line longer than `maxLineLength` without a line end closes the connection rather
/// than buffering without bound.
struct SMTPServerLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = [UInt8]

    /// RFC 5321 allows 1000 per line; senders that ignore it are still read, up to this.
    static let maxLineLength = 64 * 1024

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let lf = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maxLineLength { throw SMTPProtocolError("line longer than \(Self.maxLineLength) bytes") }
            return .needMoreData
        }
        var line = buffer.readBytes(length: lf - buffer.readerIndex + 1)!
        line.removeLast()
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.clear()
        return .needMoreData
    }
}
