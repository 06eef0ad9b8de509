import NIOCore
import NIOPosix

/// A minimal WebSocket client for the benchmarks (topic subscribers and publishers, inbox
/// sockets), on plain NIO: the HTTP upgrade written by hand, server frames parsed in place on
/// the event loop, no task per connection and no `String` per frame, so a thousand
/// subscribers cost little CPU next to the server they share the machine with, and ten
/// thousand idle ones little memory.
///
///     frame  = byte0 (FIN | opcode) , byte1 (MASK | len7) [, len16 | len64] [, mask key] , payload
///
/// Server frames are never masked; the client masks with the all-zero key (allowed: the mask
/// bit is what the server checks), so payload bytes go out unchanged.
public final class LeanWebSocketClient: ChannelInboundHandler, @unchecked Sendable {
    // Touched only on the channel's event loop once connected.
    public typealias InboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// Called on the event loop for every text frame (its payload, valid until return).
    public typealias OnText = @Sendable (ByteBuffer) -> Void

    let path: String
    let onText: OnText
    let opened: EventLoopPromise<Void>
    private var buffer = ByteBuffer()
    private var upgraded = false
    private var settled = false

    private func settle(_ error: (any Error)?) {
        guard !settled else { return }
        settled = true
        if let error { opened.fail(error) } else { opened.succeed() }
    }

    init(path: String, opened: EventLoopPromise<Void>, onText: @escaping OnText) {
        self.path = path
        self.opened = opened
        self.onText = onText
    }

    /// Connects and completes once the server has accepted the upgrade.
    public static func connect(
        group: any EventLoopGroup,
        host: String = "127.0.0.1",
        port: Int,
        path: String,
        onText: @escaping OnText
    ) async throws -> any Channel {
        let loop = group.next()
        let opened = loop.makePromise(of: Void.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(LeanWebSocketClient(path: path, opened: opened, onText: onText))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            // A refused connection never reaches the handler: settle the promise here, or
            // NIO reports it leaked (a debug build stops on it while a bench waits for its server).
            opened.fail(error)
            throw error
        }
        try await opened.futureResult.get()
        return channel
    }

    /// One masked text frame.
    public static func textFrame(_ text: String, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        let payload = Array(text.utf8)
        var out = allocator.buffer(capacity: payload.count + 14)
        out.writeInteger(UInt8(0x81))
        if payload.count < 126 {
            out.writeInteger(UInt8(0x80 | payload.count))
        } else if payload.count <= 0xFFFF {
            out.writeInteger(UInt8(0x80 | 126))
            out.writeInteger(UInt16(payload.count))
        } else {
            out.writeInteger(UInt8(0x80 | 127))
            out.writeInteger(UInt64(payload.count))
        }
        out.writeInteger(UInt32(0))  // mask key 0: payload unchanged
        out.writeBytes(payload)
        return out
    }

    public func channelActive(context: ChannelHandlerContext) {
        let request =
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: request)), promise: nil)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if buffer.readableBytes == 0 && upgraded {
            parseFrames(&incoming, context)
            if incoming.readableBytes > 0 { buffer.writeBuffer(&incoming) }
            return
        }
        buffer.writeBuffer(&incoming)
        if !upgraded {
            guard let end = buffer.readableBytesView.firstRange(of: "\r\n\r\n".utf8) else { return }
            let head = String(buffer: buffer.getSlice(at: buffer.readerIndex, length: end.lowerBound - buffer.readerIndex)!)
            buffer.moveReaderIndex(to: end.upperBound)
            guard head.hasPrefix("HTTP/1.1 101") else {
                settle(ChannelError.inappropriateOperationForState)
                context.close(promise: nil)
                return
            }
            upgraded = true
            settle(nil)
        }
        parseFrames(&buffer, context)
        buffer.discardReadBytes()
    }

    private func parseFrames(_ buf: inout ByteBuffer, _ context: ChannelHandlerContext) {
        while buf.readableBytes >= 2 {
            let start = buf.readerIndex
            let b0 = buf.getInteger(at: start, as: UInt8.self)!
            let b1 = buf.getInteger(at: start + 1, as: UInt8.self)!
            var length = Int(b1 & 0x7F)
            var header = 2
            if length == 126 {
                guard let l = buf.getInteger(at: start + 2, as: UInt16.self) else { return }
                length = Int(l)
                header = 4
            } else if length == 127 {
                guard let l = buf.getInteger(at: start + 2, as: UInt64.self) else { return }
                length = Int(l)
                header = 10
            }
            guard buf.readableBytes >= header + length else { return }
            let payload = buf.getSlice(at: start + header, length: length)!
            buf.moveReaderIndex(forwardBy: header + length)
            switch b0 & 0x0F {
            case 0x1: onText(payload)
            case 0x8:
                context.close(promise: nil)
                return
            case 0x9:
                var pong = context.channel.allocator.buffer(capacity: length + 6)
                pong.writeInteger(UInt8(0x8A))
                pong.writeInteger(UInt8(0x80 | length))
                pong.writeInteger(UInt32(0))
                var p = payload
                pong.writeBuffer(&p)
                context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
            default: break
            }
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        settle(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        settle(error)
        context.close(promise: nil)
    }
}
