import Logging
import NIOCore
import NIOHTTP1
import SwitchboardCore

/// What every connection of the HTTP server shares: the timeouts, the connection caps and
/// the handlers that enforce them, installed around NIO's HTTP/1 codec by `install`.
struct HTTPTransport: Sendable {
    let settings: TransportSettings
    let limiter: ConnectionLimiter
    /// How a client reached the hub, for the topics' origin check.
    let scheme: ClientScheme

    /// - Parameter descriptorLimit: the process's soft open-file limit; the hub cap is
    ///   lowered to fit under it. Trusted proxies are exempt from the per-address cap.
    init(_ server: ServerSettings, descriptorLimit: Int?) {
        settings = server.transport
        let scheme = ClientScheme(server)
        self.scheme = scheme
        limiter = ConnectionLimiter(
            maxConnections: FileDescriptorLimit.connectionCap(configured: settings.maxConnections, soft: descriptorLimit),
            maxPerAddress: settings.maxConnectionsPerAddress,
            exempt: { scheme.isTrustedProxy($0) }
        )
    }

    /// Adds the request-line probe before the pipeline's request decoder and the connection
    /// guard after it. `fieldLimit`: the decoder's `maxHeaderFieldSize`.
    func install(on pipeline: ChannelPipeline.SynchronousOperations, fieldLimit: Int = 80 * 1024, logger: Logger) throws {
        let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        let probe = HTTPRequestLineProbe(limit: fieldLimit)
        try pipeline.addHandler(probe, position: .before(decoder))
        try pipeline.addHandler(HTTPConnectionGuard(settings: settings, probe: probe, logger: logger), position: .after(decoder))
    }

    /// Takes the probe and the guard out once the connection speaks WebSocket.
    static func uninstall(from pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.removeHandler(pipeline.handler(type: HTTPConnectionGuard.self), promise: nil)
        try pipeline.removeHandler(pipeline.handler(type: HTTPRequestLineProbe.self), promise: nil)
    }

    /// After NIO's upgrade handler ran no upgrader: the swallowed request goes on.
    static func notUpgraded(_ pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.handler(type: HTTPConnectionGuard.self).replayRefusedUpgrade()
    }
}

extension HTTPTransport {
    /// The transport for `server`, its caps fitted to the open-file limit and logged.
    static func forServer(_ server: ServerSettings, logger: Logger) -> HTTPTransport {
        let limit = FileDescriptorLimit.current()
        let transport = HTTPTransport(server, descriptorLimit: limit?.soft)
        let cap = transport.limiter.maxConnections
        let metadata: Logger.Metadata = [
            "max_connections": "\(cap)",
            "max_connections_per_address": "\(transport.limiter.maxPerAddress)",
            "open_files_limit": "\(limit.map { "\($0.soft) (hard \($0.hard))" } ?? "unknown")",
        ]
        if cap < server.transport.maxConnections {
            logger.warning("server.max_connections lowered to fit the open-file limit; raise `ulimit -n` for more", metadata: metadata)
        } else {
            logger.info("connection limits", metadata: metadata)
        }
        return transport
    }

    /// Puts `ServerAcceptErrorHandler` first on the listening channel.
    static func guardAccepting(_ channel: any Channel, logger: Logger) async {
        do {
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(ServerAcceptErrorHandler(logger: logger), position: .first)
            }.get()
        } catch {
            logger.warning("could not guard the listening socket against failed accepts", metadata: ["error": "\(error)"])
        }
    }
}
