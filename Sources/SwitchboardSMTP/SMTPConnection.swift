import NIOCore
import NIOPosix
import NIOSSL
import SwitchboardCore

/// One open, greeted (and, if configured, encrypted and authenticated) SMTP session.
///
/// Why a thin class over a `Channel`: the pool keeps these between sends, and callers use
/// async functions; all protocol decisions stay in the handler's state machine. Every failure
/// comes out as a `ConnectorError`.
final class SMTPConnection: Sendable {
    struct Endpoint: Sendable {
        var host: String
        var port: Int
        var settings: SMTPClientStateMachine.Settings
        var tlsContext: NIOSSLContext?
        var timeout: TimeAmount
    }

    let channel: any Channel
    let capabilities: SMTPCapabilities

    private init(channel: any Channel, capabilities: SMTPCapabilities) {
        self.channel = channel
        self.capabilities = capabilities
    }

    var isActive: Bool { channel.isActive }

    /// Connects and runs the session setup; a failure closes the socket.
    static func connect(_ endpoint: Endpoint, group: any EventLoopGroup) async throws(ConnectorError) -> SMTPConnection {
        let loop = group.next()
        let session = loop.makePromise(of: SMTPCapabilities.self)
        // SNI and certificate name are the configured host; an IP address is checked against the certificate's IP entries.
        let sni: String? = Self.isIPAddress(endpoint.host) ? nil : endpoint.host
        let implicit = endpoint.settings.tls == .implicit ? endpoint.tlsContext : nil
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(endpoint.timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let implicit { try sync.addHandler(NIOSSLClientHandler(context: implicit, serverHostname: sni)) }
                    try sync.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                    try sync.addHandler(MessageToByteHandler(SMTPCommandEncoder()))
                    try sync.addHandler(
                        SMTPClientHandler(
                            settings: endpoint.settings,
                            timeout: endpoint.timeout,
                            tlsContext: endpoint.tlsContext,
                            serverHostname: sni,
                            sessionPromise: session
                        )
                    )
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            session.fail(error)
            throw .transient("cannot connect: \(Self.describe(error))")
        }
        do {
            let capabilities = try await session.futureResult.get()
            return SMTPConnection(channel: channel, capabilities: capabilities)
        } catch {
            channel.close(promise: nil)
            throw Self.connectorError(error)
        }
    }

    /// Hands one message over; the result holds the server's answer per recipient.
    func send(_ envelope: SMTPClientStateMachine.Envelope) async throws(ConnectorError) -> SMTPClientStateMachine.TransactionResult {
        guard let result = try await request(.send(envelope)) else { throw .transient("connection closed during the transaction") }
        return result
    }

    /// RSET: clears any half-done transaction and proves the session still works.
    func reset() async throws(ConnectorError) { _ = try await request(.reset) }

    func noop() async throws(ConnectorError) { _ = try await request(.noop) }

    /// Says QUIT and closes, ignoring failures: the session is over either way.
    func quit() async {
        if channel.isActive { _ = try? await request(.quit) }
        try? await channel.close()
    }

    func close() { channel.close(promise: nil) }

    private func request(_ kind: SMTPRequest.Kind) async throws(ConnectorError) -> SMTPClientStateMachine.TransactionResult? {
        let promise = channel.eventLoop.makePromise(of: SMTPClientStateMachine.TransactionResult?.self)
        channel.writeAndFlush(SMTPRequest(kind: kind, promise: promise)).whenFailure { promise.fail($0) }
        do { return try await promise.futureResult.get() } catch { throw Self.connectorError(error) }
    }

    static func connectorError(_ error: any Error) -> ConnectorError {
        if let e = error as? ConnectorError { return e }
        return .transient(describe(error))
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? NIOConnectionError {
            let reasons = e.connectionErrors.map { "\($0.target): \($0.error)" } + (e.dnsAAAAError.map { ["DNS: \($0)"] } ?? [])
            return reasons.isEmpty ? "\(e)" : reasons.joined(separator: "; ")
        }
        if let e = error as? ChannelError {
            if case .connectTimeout = e { return "connect timed out" }
            if e == .ioOnClosedChannel || e == .alreadyClosed || e == .eof { return "connection closed" }
        }
        return SMTPClientHandler.describe(error)
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    /// 127.0.0.0/8, ::1 and `localhost`: the only places a password may go without TLS.
    static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "::1" || h == "[::1]" { return true }
        let parts = h.split(separator: ".")
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
