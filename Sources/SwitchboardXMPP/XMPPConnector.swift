import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import SwitchboardCore

/// The `xmpp` engine: one client account on an XMPP server, on the channel `im`.
///
/// Why it keeps messages in memory until the server acknowledges them: XEP-0198 is the only
/// proof that a message reached the server, so `send` returns only once the server's `<a h/>`
/// covers it; a message written on a link that then drops is written again on the next one
/// (on the resumed stream, or a new one) while its `send` still waits. `run(sink:)` owns the
/// link: it connects, hands what arrives to the sink, and reconnects with exponential
/// back-off and jitter after any failure.
package final class XMPPConnector: Connector, Sendable {
    package static let engine = ConnectorEngine(name: "xmpp") { settings, reader, environment in
        guard let configuration = Configuration.read(reader, environment: environment) else { return nil }
        return XMPPConnector(name: settings.name, channels: settings.channels, configuration: configuration)
    }

    package let name: String
    package let engine = "xmpp"
    /// On several nodes, run by one only: one session of the account (a second login with the same resource takes over the stream).
    package var singleOwner: Bool { true }
    package let channels: [ChannelName]
    package let configuration: Configuration
    let logger: Logger
    let group: any EventLoopGroup

    struct Pending {
        var id: String
        var stanza: XMPPElement
        var continuation: CheckedContinuation<Receipt, any Error>
    }

    struct LinkState {
        var pending: [Pending] = []
        /// The live connection once its session is ready.
        var channel: (any Channel)?
    }

    let state = NIOLockedValueBox(LinkState())

    package init(
        name: String,
        channels: [ChannelName],
        configuration: Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "switchboard.xmpp")
    ) {
        self.name = name
        self.channels = channels.isEmpty ? [.im] : channels
        self.configuration = configuration
        self.group = group
        var logger = logger
        logger[metadataKey: "connector"] = "\(name)"
        self.logger = logger
    }

    /// `<message type='chat' id='DELIVERY-ID'>` with a XEP-0184 request; returns once the
    /// server acknowledged it (or at once on a server without stream management).
    package func send(_ outbound: Outbound) async throws -> Receipt {
        guard case .xmpp(let address) = outbound.address, let to = JID(address), to.local != nil else {
            throw ConnectorError.permanent("'\(outbound.address)' is not an XMPP address")
        }
        let id = outbound.delivery.id
        var children: [XMPPNode] = []
        if let subject = outbound.message.subject, !subject.isEmpty {
            children.append(.element(.text("subject", XMPPNamespace.client, subject)))
        }
        children.append(.element(.text("body", XMPPNamespace.client, outbound.message.text)))
        children.append(.element(.make("request", XMPPNamespace.receipts)))
        let stanza = XMPPElement.make("message", XMPPNamespace.client, [("type", "chat"), ("id", id), ("to", to.description)], children)
        let timeout = Self.amount(configuration.sendTimeout)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let channel = state.withLockedValue { state in
                    state.pending.append(Pending(id: id, stanza: stanza, continuation: continuation))
                    return state.channel
                }
                channel?.writeAndFlush(XMPPClientStateMachine.Event.send(id: id, stanza), promise: nil)
                group.next().scheduleTask(in: timeout) { [self] in
                    fail(id, ConnectorError.transient("the server did not acknowledge the message within \(configuration.sendTimeout)"))
                }
            }
        } onCancel: {
            fail(id, CancellationError())
        }
    }

    /// Ends the wait of `id`'s `send` with `error`, if it still waits.
    private func fail(_ id: String, _ error: any Error) {
        let pending = state.withLockedValue { state -> Pending? in
            guard let index = state.pending.firstIndex(where: { $0.id == id }) else { return nil }
            return state.pending.remove(at: index)
        }
        pending?.continuation.resume(throwing: error)
    }

    /// The server has these: their `send`s return.
    func acknowledged(_ ids: [String]) {
        let done = state.withLockedValue { state -> [Pending] in
            let set = Set(ids)
            let done = state.pending.filter { set.contains($0.id) }
            state.pending.removeAll { set.contains($0.id) }
            return done
        }
        for pending in done { pending.continuation.resume(returning: Receipt(id: pending.id)) }
    }

    /// The session is ready: it takes new messages, and everything still waiting is written, in order.
    func linkReady(_ channel: any Channel) {
        let pending = state.withLockedValue { state in
            state.channel = channel
            return state.pending.map { ($0.id, $0.stanza) }
        }
        for (id, stanza) in pending { channel.write(XMPPClientStateMachine.Event.send(id: id, stanza), promise: nil) }
        channel.flush()
    }

    func linkGone() {
        state.withLockedValue { $0.channel = nil }
    }

    /// Connects and sets up the pipeline; the handler reports on `events`.
    func connect(
        resumption: XMPPClientStateMachine.Resumption?,
        events: AsyncStream<XMPPLinkEvent>.Continuation
    ) async throws -> any Channel {
        let tlsContext = configuration.tls == .none ? nil : try configuration.makeTLSContext()
        // SNI and the certificate name are the JID's domain: that is whom we mean to talk to.
        let serverHostname = configuration.jid.domain
        let machine = XMPPClientStateMachine(
            settings: .init(jid: configuration.jid, password: configuration.password, resource: configuration.resource, tls: configuration.tls),
            resumption: resumption
        )
        let timing = XMPPClientHandler.Timing(setup: Self.amount(configuration.timeout), pingInterval: Self.amount(configuration.pingInterval))
        let limits = configuration.limits
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(Self.amount(configuration.timeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = XMPPClientHandler(
                        machine: machine,
                        limits: limits,
                        timing: timing,
                        tlsContext: tlsContext,
                        serverHostname: serverHostname,
                        events: events,
                        acknowledged: { [self] ids in acknowledged(ids) }
                    )
                    try channel.pipeline.syncOperations.addHandlers(QuickAckHandler(), handler)
                }
            }
        return try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
    }

    static func amount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
