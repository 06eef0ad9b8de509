import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
import ServiceLifecycle
import SwitchboardCore

/// The HTTP/1 server with the topics' WebSocket upgrade.
///
/// Ordinary requests go to the router exactly as with `.http1()`. An upgrade of a topic's
/// path is admitted first (credential, origin, read rule, filters: `TopicGate`), then served by
/// a `TopicSocketHandler` on the connection's event loop: the connection keeps no task, no
/// actor and no async stream, which is most of what an idle subscriber would otherwise cost.
/// An upgrade of any other path is answered by the router as a plain request. On shutdown the
/// server's quiescing event reaches every socket, which closes with 1001. Without topics it is
/// plain HTTP/1. Every connection passes `HTTPTransport`: the connection caps first, then its
/// timeouts and the answers to what cannot be parsed around the HTTP codec. The live inbox
/// socket (`/ws/inbox`, `InboxFeed`) is upgraded here the same way, to an `InboxSocketHandler`.
struct TopicServerChannel: ServerChildChannel, HTTPChannelHandler {
    enum Upgrade: Sendable {
        case topic
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// Over a connection cap: answered 503 and closed by `ConnectionLimiter`.
        case refused
    }

    struct Value: ServerChildChannelValue {
        let upgrade: EventLoopFuture<Upgrade>
        let channel: any Channel
    }

    /// What an admitted upgrade becomes.
    enum SocketRole: Sendable {
        case topic(TopicSocketHandler.Role)
        case inbox(InboxSocketHandler.Role)
    }

    let responder: HTTPChannelHandler.Responder
    let endpoints: TopicEndpoints?
    var inbox: InboxFeed?
    let transport: HTTPTransport
    var http1 = HTTP1Channel.Configuration()

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            guard transport.limiter.admit(channel, logger: logger) else {
                return Value(upgrade: channel.eventLoop.makeSucceededFuture(.refused), channel: channel)
            }
            let role = NIOLoopBoundBox<SocketRole?>(nil, eventLoop: channel.eventLoop)
            let endpoints = self.endpoints
            let inbox = self.inbox
            let http1 = self.http1
            let upgrader = NIOTypedWebSocketServerUpgrader<Upgrade>(
                maxFrameSize: endpoints?.transportFrameLimit ?? 1 << 20,
                shouldUpgrade: { channel, head in
                    let promise = channel.eventLoop.makePromise(of: HTTPHeaders?.self)
                    promise.completeWithTask {
                        let scheme = transport.scheme.scheme(
                            headers: HTTPFields(head.headers, splitCookie: false),
                            remoteAddress: channel.remoteAddress?.ipAddress
                        )
                        guard let decided = await Self.admit(head, endpoints, inbox: inbox, scheme: scheme) else { return nil }
                        try await channel.eventLoop.submit { role.value = decided }.get()
                        return HTTPHeaders()
                    }
                    return promise.futureResult
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        let handler: any ChannelHandler
                        switch role.value {
                        case .topic(let decided)?:
                            guard let endpoints else { throw ChannelError.inappropriateOperationForState }
                            handler = TopicSocketHandler(role: decided, endpoints: endpoints, logger: logger)
                        case .inbox(let decided)?:
                            guard let inbox else { throw ChannelError.inappropriateOperationForState }
                            handler = InboxSocketHandler(role: decided, feed: inbox, logger: logger)
                        case nil:
                            throw ChannelError.inappropriateOperationForState
                        }
                        try HTTPTransport.uninstall(from: channel.pipeline.syncOperations)
                        try channel.pipeline.syncOperations.addHandler(handler)
                        return .topic
                    }
                }
            )
            let upgraders: [any NIOTypedHTTPServerProtocolUpgrader<Upgrade>] = endpoints == nil && inbox == nil ? [] : [upgrader]
            let upgrades = NIOTypedHTTPServerUpgradeConfiguration<Upgrade>(upgraders: upgraders) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                    try sync.addHandlers(http1.additionalChannelHandlers())
                    try sync.addHandler(HTTPConnectionStateHandler(idleTimeout: http1.idleTimeout.map { .init($0) }, logger: logger))
                    try HTTPTransport.notUpgraded(sync)
                    return .http(try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true)))
                }
            }
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<Upgrade>(upgradeConfiguration: upgrades)
            pipeline.enablePipelining = false  // HTTP is pipelined by NIOAsyncChannel
            pipeline.enableErrorHandling = false  // Hummingbird answers errors
            pipeline.enableResponseHeaderValidation = false  // HTTP types validate
            pipeline.decoderConfiguration.maxHeaderFieldSize = http1.httpDecoder.maxHeaderFieldSize
            pipeline.decoderConfiguration.maxHeaderListSize = http1.httpDecoder.maxHeaderListSize
            pipeline.decoderConfiguration.maxHeaderFieldCount = http1.httpDecoder.maxHeaderFieldCount
            let upgrade = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            try transport.install(on: channel.pipeline.syncOperations, fieldLimit: http1.httpDecoder.maxHeaderFieldSize, logger: logger)
            return Value(upgrade: upgrade, channel: channel)
        }
    }

    /// The socket's role for an upgrade of `head`, or `nil` when the path is not a topic's.
    /// A refused client still gets a socket: a refused upgrade could only be a bare 400,
    /// which tells a browser nothing.
    static func admit(_ head: HTTPRequestHead, _ endpoints: TopicEndpoints?, inbox: InboxFeed?, scheme: String = "http") async -> SocketRole? {
        let (path, query) = TopicConnection.split(head.uri)
        if path == InboxFeed.path, let inbox {
            do {
                let request = try HTTPRequest(head, secure: false, splitCookie: false)
                return .inbox(
                    .listener(try await inbox.admit(headers: request.headerFields, authority: request.authority, scheme: scheme, rawQuery: query))
                )
            } catch let refusal as APIError {
                return .inbox(.refused(refusal))
            } catch {
                return .inbox(.refused(APIError(.internalServerError, "internal_error", "could not check the credentials; try again")))
            }
        }
        guard let endpoints, let topic = endpoints.hub.topic(path: path) else { return nil }
        do {
            let request = try HTTPRequest(head, secure: false, splitCookie: false)
            return .topic(
                .subscriber(
                    try await endpoints.gate.admit(
                        topic,
                        headers: request.headerFields,
                        authority: request.authority,
                        scheme: scheme,
                        rawQuery: query
                    )
                )
            )
        } catch let refusal as APIError {
            return .topic(.refused(refusal))
        } catch {
            return .topic(.refused(APIError(.internalServerError, "internal_error", "could not check the credentials; try again")))
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgrade.get() {
            case .http(let channel): await handleHTTP(asyncChannel: channel, logger: logger)
            case .topic:
                // Served by its handler on the event loop from here on; this task only lasts
                // as long as the socket, so that the server (which returns once its child
                // tasks have) does not stop, and the process exit, before each socket's
                // closing handshake. A socket upgraded after shutdown began never saw the
                // quiescing event: it is passed on here (a second one is ignored).
                await withGracefulShutdownHandler {
                    try? await value.channel.closeFuture.get()
                } onGracefulShutdown: {
                    value.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
                }
            case .refused: break
            }
        } catch {
            logger.debug("connection ended before its first request was read", metadata: ["error": "\(error)"])
        }
    }
}
