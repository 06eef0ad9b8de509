import NIOCore

/// Tells, from the raw bytes, whether an overflow of NIO's decoder came from the request line.
///
/// NIO's decoder counts the request target against the header limits, so a 1 MB URL and a
/// 200 kB header fail alike (`headerOverflow`). Placed before the decoder, this probe follows
/// the lines of the byte stream: a request line starts with a method token and a space
/// (`GET /…`), a header line never does (`Name:`). When a request line grows past the
/// decoder's field limit, the overflow that follows is the URL's: the guard after the decoder
/// answers 414 rather than 431. It looks at each byte of a line's first word only, and jumps
/// from line end to line end with `firstIndex(of:)`; it copies nothing.
final class HTTPRequestLineProbe: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    enum Line: Equatable {
        case start
        case method
        case requestLine
        case other
    }

    /// The decoder's limit for one field, which the request target counts against.
    let limit: Int
    private(set) var line = Line.start
    /// Bytes of the current request line after its method.
    private var length = 0
    /// The last request line was longer than `limit`.
    private(set) var requestLineTooLong = false
    /// Bytes read on this connection so far.
    private(set) var bytesSeen = 0

    init(limit: Int) {
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = Self.unwrapInboundIn(data)
        bytesSeen += buffer.readableBytes
        buffer.withUnsafeReadableBytes { follow($0[...]) }
        context.fireChannelRead(data)
    }

    func follow(_ bytes: Slice<UnsafeRawBufferPointer>) {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            switch line {
            case .start, .method:
                let byte = bytes[index]
                index += 1
                line = byte == UInt8(ascii: "\n") ? .start : Self.next(line, byte)
                if line == .method { requestLineTooLong = false }
                length = 0
            case .requestLine, .other:
                let lf = bytes[index...].firstIndex(of: UInt8(ascii: "\n"))
                if line == .requestLine {
                    length += (lf ?? bytes.endIndex) - index
                    if length > limit { requestLineTooLong = true }
                }
                guard let lf else { return }
                line = .start
                index = lf + 1
            }
        }
    }

    static func next(_ line: Line, _ byte: UInt8) -> Line {
        let token = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        switch line {
        case .start: return token ? .method : .other
        case .method: return token ? .method : (byte == UInt8(ascii: " ") ? .requestLine : .other)
        case .requestLine, .other: return line
        }
    }
}
