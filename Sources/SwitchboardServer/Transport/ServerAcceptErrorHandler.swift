import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps a failed `accept` from ending the server.
///
/// NIO reports an `accept` that failed for want of descriptors or memory (EMFILE, ENFILE,
/// ENOBUFS, ENOMEM) or because the client gave up first (ECONNABORTED) as an error on the
/// listening channel and goes on listening; passed further, the error would end the
/// server's stream of connections and with it the server. Here it is logged (once a minute
/// at most) and goes no further. The connection caps exist so that it does not happen.
final class ServerAcceptErrorHandler: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    private let logger: Logger
    private var lastWarning = NIODeadline.distantPast
    private var unlogged = 0

    init(logger: Logger) {
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? IOError, Self.recoverable.contains(error.errnoCode) else {
            context.fireErrorCaught(error)
            return
        }
        unlogged += 1
        let now = NIODeadline.now()
        if now - lastWarning >= .minutes(1) {
            logger.warning("accepting a connection failed", metadata: ["error": "\(error)", "failures": "\(unlogged)"])
            lastWarning = now
            unlogged = 0
        }
    }

    static let recoverable: Set<Int32> = [EMFILE, ENFILE, ENOBUFS, ENOMEM, ECONNABORTED]
}
