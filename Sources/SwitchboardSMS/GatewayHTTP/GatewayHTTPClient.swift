import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A lean HTTP/1.1 client for one origin (scheme, host, port): what the `http-gateway` engine
/// needs to send one templated request per delivery, and nothing more.
///
/// Why not AsyncHTTPClient: a node sending through a gateway spent about 100 µs of its
/// ~220 µs per message there (request and URL handling, the pool's state, a timer per request,
/// hand-offs between tasks and event loops; README, "Where a node's CPU goes"). Here a request
/// takes a connection from a small pool under one lock, hops once onto that connection's event
/// loop, and the caller awaits one future; the request's deadline is its only timer.
///
/// - Keep-alive connections, at most `maxConnections` (the connector's `max_in_flight`), one
///   request at a time each; requests wait in arrival order when all are busy. Idle
///   connections close after `idleTimeout`; a connection the gateway closed is never reused.
/// - The deadline covers waiting, connecting and the answer. A refused connection fails at once.
/// - A request that finds its kept-alive connection closed before a byte was written is tried
///   once more on a new connection; after that, a lost connection is the caller's error (the
///   gateway may have acted on it; the dispatcher decides about sending again).
/// - Answers are read whole up to `maxBodyBytes`; no redirects, no decompression.
/// - https: system trust roots, hostname verification and SNI (extra roots only for tests).
/// - `shutdown()` refuses new requests, lets those under way finish, then closes everything.
final class GatewayHTTPClient: Sendable {
    /// What a waiting request is granted.
    enum Granted: Sendable {
        case use(GatewayHTTPConnection)
        case connect
    }

    struct Waiter: Sendable {
        let continuation: CheckedContinuation<Granted, any Error>
    }

    private struct State {
        var pool: GatewayHTTPPool<GatewayHTTPConnection, Waiter>
        var nextID = 0
        var tlsContext: NIOSSLContext?
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
        var finished = false
    }

    let origin: GatewayHTTPOrigin
    let maxBodyBytes: Int
    let idleTimeout: TimeAmount
    let validatesHeaders: Bool
    private let group: any EventLoopGroup
    private let tlsConfiguration: TLSConfiguration?
    private let state: Mutex<State>

    /// A client for `origin` on NIO's process-wide event loops (no threads per connector).
    /// `validatesHeaders: false` skips NIO's check of every request's header names and values
    /// for a caller whose headers are all checked once, at configuration (the engine's are).
    convenience init(origin: GatewayHTTPOrigin, maxConnections: Int, maxBodyBytes: Int, validatesHeaders: Bool = true) {
        self.init(
            origin: origin,
            maxConnections: maxConnections,
            maxBodyBytes: maxBodyBytes,
            additionalTrustRoots: [],
            validatesHeaders: validatesHeaders
        )
    }

    /// As above, trusting `additionalTrustRoots` besides the system's (tests' own certificates).
    init(
        origin: GatewayHTTPOrigin,
        maxConnections: Int,
        maxBodyBytes: Int,
        additionalTrustRoots: [NIOSSLCertificate],
        validatesHeaders: Bool = true,
        idleTimeout: TimeAmount = .seconds(60),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.origin = origin
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
        self.validatesHeaders = validatesHeaders
        self.group = group
        if origin.tls {
            var tls = TLSConfiguration.makeClientConfiguration()
            if !additionalTrustRoots.isEmpty { tls.additionalTrustRoots = [.certificates(additionalTrustRoots)] }
            tlsConfiguration = tls
        } else {
            tlsConfiguration = nil
        }
        state = Mutex(State(pool: GatewayHTTPPool(capacity: maxConnections)))
    }

    /// Connections open or being opened (for tests and metrics).
    var connectionCount: Int { state.withLock { $0.pool.open } }
    /// Whether `shutdown()` has begun.
    var isDraining: Bool { state.withLock { $0.pool.draining } }

    /// Sends `request` and returns the whole answer, or throws a `GatewayHTTPError` within
    /// `timeout` (`.cancelled` when the caller's task is cancelled while the request is on a
    /// connection; a request still waiting for one waits until it gets one or its deadline).
    func execute(_ request: GatewayHTTPRequest, timeout: TimeAmount) async throws -> GatewayHTTPResponse {
        let deadline = NIODeadline.now() + timeout
        do {
            return try await attempt(request, deadline: deadline, fresh: false)
        } catch let error as GatewayHTTPError where error.code == .closedBeforeWrite {
            return try await attempt(request, deadline: deadline, fresh: true)
        }
    }

    /// Refuses new requests, waits for those under way (each ends by its deadline), and closes
    /// every connection. A second call returns once the first has finished, or at once after.
    func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (done, next) = state.withLock { s -> (Bool, GatewayHTTPPool<GatewayHTTPConnection, Waiter>.Next) in
                if s.finished { return (true, .none) }
                s.shutdownWaiters.append(continuation)
                return (false, s.pool.shutdown())
            }
            if done { continuation.resume() }
            perform(next)
        }
    }

    // MARK: - One attempt

    private func attempt(_ request: GatewayHTTPRequest, deadline: NIODeadline, fresh: Bool) async throws -> GatewayHTTPResponse {
        let connection = try await obtain(deadline: deadline, fresh: fresh)
        let response: GatewayHTTPResponse
        do {
            response = try await connection.execute(request, deadline: deadline)
        } catch {
            giveBack(connection, reusable: false)
            throw error
        }
        giveBack(connection, reusable: response.keepAlive && connection.isActive)
        return response
    }

    private func obtain(deadline: NIODeadline, fresh: Bool) async throws -> GatewayHTTPConnection {
        switch state.withLock({ $0.pool.lease(fresh: fresh) }) {
        case .use(let connection):
            return connection
        case .connect:
            return try await connect(deadline: deadline)
        case .refuse:
            throw GatewayHTTPError(.shutdown)
        case .wait:
            switch try await wait(deadline: deadline, fresh: fresh) {
            case .use(let connection): return connection
            case .connect: return try await connect(deadline: deadline)
            }
        }
    }

    /// Queues the request until a connection is free, or fails it at its deadline (the only
    /// timer of a waiting request until it has a connection).
    private func wait(deadline: NIODeadline, fresh: Bool) async throws -> Granted {
        try await withCheckedThrowingContinuation { continuation in
            let waiter = Waiter(continuation: continuation)
            let (id, now) = state.withLock { s in
                s.nextID += 1
                return (s.nextID, s.pool.enqueue(waiter, id: s.nextID, fresh: fresh))
            }
            switch now {
            case nil:
                group.next().scheduleTask(deadline: deadline) { [weak self] in self?.waiterTimedOut(id: id) }
            case .use(let connection)?:
                continuation.resume(returning: .use(connection))
            case .connect?:
                continuation.resume(returning: .connect)
            case .refuse?, .wait?:
                continuation.resume(throwing: GatewayHTTPError(.shutdown))
            }
        }
    }

    private func waiterTimedOut(id: Int) {
        let (waiter, next) = state.withLock { $0.pool.cancelWaiter(id: id) }
        waiter?.continuation.resume(throwing: GatewayHTTPError(.deadlineExceeded, detail: "no connection became free"))
        perform(next)
    }

    private func giveBack(_ connection: GatewayHTTPConnection, reusable: Bool) {
        if !reusable { connection.close() }
        perform(state.withLock { $0.pool.release(connection, id: connection.id, reusable: reusable) })
    }

    /// A connection closed while idle in the pool: the pool forgets it.
    private func closedIdle(id: Int) { state.withLock { $0.pool.closed(id: id) } }

    private func perform(_ next: GatewayHTTPPool<GatewayHTTPConnection, Waiter>.Next) {
        switch next {
        case .none:
            break
        case .handOver(let connection, let waiter):
            waiter.continuation.resume(returning: .use(connection))
        case .connect(let waiter):
            waiter.continuation.resume(returning: .connect)
        case .drained(let connections):
            let closed = connections.map { $0.channel.close(mode: .all) }
            EventLoopFuture.andAllComplete(closed, on: group.next()).whenComplete { [self] _ in
                let waiters = state.withLock { s in
                    s.finished = true
                    defer { s.shutdownWaiters = [] }
                    return s.shutdownWaiters
                }
                for waiter in waiters { waiter.resume() }
            }
        }
    }

    // MARK: - Connecting

    /// Opens a connection the pool has counted; on failure the pool forgets it.
    private func connect(deadline: NIODeadline) async throws -> GatewayHTTPConnection {
        do {
            let remaining = deadline - .now()
            guard remaining > .zero else { throw GatewayHTTPError(.connectTimeout) }
            let tls = try tlsContext()
            let id = state.withLock { s in
                s.nextID += 1
                return s.nextID
            }
            // An address is connected to as it is: no name lookup, which NIO runs on one queue
            // per event loop, where a slow lookup for another host would hold this one up.
            let address = try? SocketAddress(ipAddress: origin.host, port: origin.port)
            let sni: String? = address == nil ? origin.host : nil
            let (hostHeader, maxBodyBytes, idleTimeout, validates) = (origin.hostHeader, maxBodyBytes, idleTimeout, validatesHeaders)
            let initializer: @Sendable (any Channel) -> EventLoopFuture<(GatewayHTTPConnection, EventLoopFuture<Void>)> = {
                channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls { try sync.addHandler(NIOSSLClientHandler(context: tls, serverHostname: sni)) }
                    try sync.addHTTPClientHandlers(enableOutboundHeaderValidation: validates)
                    let ready = channel.eventLoop.makePromise(of: Void.self)
                    let handler = GatewayHTTPConnectionHandler(
                        hostHeader: hostHeader,
                        maxBodyBytes: maxBodyBytes,
                        idleTimeout: idleTimeout,
                        ready: ready,
                        waitsForTLS: tls != nil,
                        onIdleClose: { [weak self] in self?.closedIdle(id: id) }
                    )
                    try sync.addHandler(handler)
                    return (GatewayHTTPConnection(id: id, channel: channel, handler: handler), ready.futureResult)
                }
            }
            let bootstrap = ClientBootstrap(group: group)
                .connectTimeout(remaining)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
            let (connection, ready) =
                if let address {
                    try await bootstrap.connect(to: address, channelInitializer: initializer)
                } else {
                    try await bootstrap.connect(host: origin.host, port: origin.port, channelInitializer: initializer)
                }
            // The TLS handshake counts as connecting: the deadline ends it too (a timer per new
            // https connection, not per request).
            let handshakeTimer = tls.map { _ in
                connection.channel.eventLoop.scheduleTask(deadline: deadline) {
                    connection.channel.pipeline.fireErrorCaught(GatewayHTTPError(.connectTimeout))
                }
            }
            defer { handshakeTimer?.cancel() }
            do {
                try await ready.get()
            } catch {
                connection.close()
                throw error
            }
            return connection
        } catch {
            perform(state.withLock { $0.pool.connectFailed() })
            if let error = error as? GatewayHTTPError { throw error }
            if case ChannelError.connectTimeout = error { throw GatewayHTTPError(.connectTimeout) }
            throw GatewayHTTPError(.connectFailed, underlying: error)
        }
    }

    /// The TLS context, made at the first https connection (it reads the system's roots).
    private func tlsContext() throws -> NIOSSLContext? {
        guard let tlsConfiguration else { return nil }
        return try state.withLock { s in
            if let context = s.tlsContext { return context }
            let context = try NIOSSLContext(configuration: tlsConfiguration)
            s.tlsContext = context
            return context
        }
    }
}
