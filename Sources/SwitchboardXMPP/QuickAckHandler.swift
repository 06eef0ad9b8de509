import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Acknowledges every segment the server sends at once (Linux `TCP_QUICKACK`, which the
/// kernel clears again after a while, so it is set after each read).
///
/// Why: the hub asks for a stream-management ack (`<r/>`) with a message whenever none is out
/// (on a quiet link, with every message), and the server's `<a/>` is a small segment. Left to
/// delayed ACK, ours comes up to 40 ms later, and a server that keeps Nagle's algorithm on
/// (Prosody does by default) holds the party's next message until then — a 40 ms stall in
/// every round trip of a conversation.
final class QuickAckHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    #if os(Linux)
    /// `TCP_QUICKACK` from `<netinet/tcp.h>`.
    static let option = ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: 12))
    #endif

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        #if os(Linux)
        // Best effort: a socket that refuses it only loses the speed-up.
        try? context.channel.syncOptions?.setOption(Self.option, value: 1)
        #endif
        context.fireChannelRead(data)
    }
}
