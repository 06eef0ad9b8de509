import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// One open serial device with its AT conversation: `command` sends and waits for the
/// answer; unsolicited codes come out of `urcs`; `closed` tells why it ended.
package final class ModemLink: Sendable {
    private let channel: any Channel
    package let urcs: AsyncStream<ModemURC>
    /// Lines the modem said that answered nothing and were no unsolicited code.
    package let unexpected: AsyncStream<String>
    private let readyFuture: EventLoopFuture<Void>
    private let closedFuture: EventLoopFuture<ModemError>

    private init(
        channel: any Channel,
        urcs: AsyncStream<ModemURC>,
        unexpected: AsyncStream<String>,
        ready: EventLoopFuture<Void>,
        closed: EventLoopFuture<ModemError>
    ) {
        self.channel = channel
        self.urcs = urcs
        self.unexpected = unexpected
        readyFuture = ready
        closedFuture = closed
    }

    /// Opens `device` and runs start-up; returns when the modem is ready, or throws why not.
    package static func open(device: String, baud: Int, settings: ModemStateMachine.Settings, group: any EventLoopGroup) async throws -> ModemLink {
        let fd = try SerialPort.open(device, baud: baud)
        let (urcs, urcSink) = AsyncStream.makeStream(of: ModemURC.self, bufferingPolicy: .bufferingNewest(1024))
        let (unexpected, unexpectedSink) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(64))
        let loop = group.next()
        let ready = loop.makePromise(of: Void.self)
        let closed = loop.makePromise(of: ModemError.self)
        let channel: any Channel
        do {
            channel = try await NIOPipeBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ModemChannelHandler(
                                settings: settings,
                                ready: ready,
                                closed: closed,
                                onURC: { urcSink.yield($0) },
                                onUnexpected: { unexpectedSink.yield($0) }
                            )
                        )
                    }
                }
                .takingOwnershipOfDescriptor(inputOutput: fd).get()
        } catch {
            _ = Glibc.close(fd)
            ready.fail(error)
            closed.succeed(ModemError(.transient, "\(error)"))
            throw error
        }
        closed.futureResult.whenComplete { _ in
            urcSink.finish()
            unexpectedSink.finish()
        }
        let link = ModemLink(channel: channel, urcs: urcs, unexpected: unexpected, ready: ready.futureResult, closed: closed.futureResult)
        do {
            try await ready.futureResult.get()
        } catch {
            link.close()
            throw error
        }
        return link
    }

    /// Sends `command` after those before it; returns its information lines or throws `ModemError`.
    package func command(_ command: ModemCommand) async throws -> [String] {
        let promise = channel.eventLoop.makePromise(of: [String].self)
        channel.writeAndFlush(ModemRequest(command: command, promise: promise)).whenFailure { error in
            promise.fail(ModemError(.transient, "the modem's device is closed: \(error)"))
        }
        return try await promise.futureResult.get()
    }

    /// Why the link ended, once it has.
    package func waitClosed() async -> ModemError {
        (try? await closedFuture.get()) ?? ModemError(.transient, "the modem's device was closed")
    }

    package func close() {
        channel.close(promise: nil)
    }
}
