import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// The core of the star: the store, the connectors at the rim, the inbound router and the
/// outbox dispatcher, wired once. The HTTP server, the CLI and the tests all talk to a `Hub`.
package final class Hub: InboundSink, Sendable {
    package let configuration: HubConfiguration
    package let store: any HubStore
    package let connectors: ConnectorRegistry
    package let dispatcher: OutboxDispatcher
    package let logger: Logger
    /// Where connectors keep their sent references (`SentReferenceSink`): the store, when it
    /// keeps them, else memory (lost at restart).
    package let sentReferences: any SentReferenceStore
    /// This process's id among the nodes sharing the store (`cluster.node_id`, else made at start).
    package let nodeID: String
    /// The `sweeper` lease: the sweepers and scheduled work run only while this node holds it.
    package let sweeperLease: LeaseKeeper
    /// What a store shared between nodes hears of other nodes' commits (topic rows, inbox
    /// items); the PostgreSQL listener delivers here, the topic hub and the live inbox listen.
    package let clusterNotices = ClusterNotices()
    /// The single-owner connectors (`Connector.singleOwner`) and their leases, when other
    /// nodes share the store; empty on a store that is one node by design.
    package let owners: ConnectorOwners
    /// Set once in `init`; a `let` of a struct holding closures over `self` is not possible.
    private let routerBox: RouterBox
    let resolver: RecipientResolver
    let messagesAccepted = Counter(label: "switchboard_messages_accepted_total")
    let deliveriesQueued = Counter(label: "switchboard_deliveries_total", dimensions: [("status", "queued")])

    /// The engines the hub knows; connector targets add theirs in the executable.
    package static let builtinEngines: [ConnectorEngine] = [BucketConnector.engine]

    /// - Parameters:
    ///   - responders: what leads conversations (code and declared ones); the conversation
    ///     engine runs first in the pipeline whenever there is a store of conversations.
    ///   - conversationStore: where conversations are kept when that is not `store` (a
    ///     test wraps one); by default `store` if it keeps them.
    ///   - leases: where the nodes' leases are kept when that is not `store` (tests share
    ///     one between two hubs); by default `store` if it keeps them, else this node holds all.
    ///   - clock: the conversation engine's and the leases' clock; tests pass their own.
    package init(
        configuration: HubConfiguration,
        store: any HubStore,
        connectors: [any Connector],
        handlers: [any MessageHandler] = [],
        responders: [any Responder] = [],
        conversationStore: (any ConversationStore)? = nil,
        packers: [ChannelName: MessagePacker] = [:],
        leases: (any ClusterLeases)? = nil,
        logger: Logger = Logger(label: "switchboard"),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
        let nodeID = ClusterNodeID.make(configured: configuration.cluster.nodeID)
        self.nodeID = nodeID
        let leaseStore = leases ?? (store as? any ClusterLeases) ?? SingleNodeLeases()
        let sweeperLease = LeaseKeeper(
            leases: leaseStore,
            name: ClusterLeaseName.sweeper,
            node: nodeID,
            ttl: configuration.cluster.leaseTTL,
            logger: logger,
            now: clock
        )
        self.sweeperLease = sweeperLease
        self.sentReferences = store as? any SentReferenceStore ?? MemoryStore()
        let registry = ConnectorRegistry(connectors)
        self.connectors = registry
        let routes = configuration.channels.mapValues(\.route)
        let owners = Self.connectorOwners(connectors, routes: routes, leases: leaseStore, node: nodeID, configuration, logger, clock)
        self.owners = owners
        self.dispatcher = OutboxDispatcher(
            configuration: .init(configuration.dispatcher),
            store: store,
            connectors: registry,
            channels: configuration.channels,
            connectorSettings: configuration.connectors,
            packers: packers,
            logger: logger,
            sweepsNow: { sweeperLease.isHolder },
            owners: owners,
            sharedSlots: leaseStore.isSharedBetweenNodes ? store as? any SharedSendSlots : nil
        )
        self.resolver = RecipientResolver(store: store, routedChannels: Set(routes.filter { !$0.value.isEmpty }.keys))
        self.routerBox = RouterBox()
        var pipeline: [any MessageHandler] = []
        if !configuration.forwarding.isEmpty { pipeline.append(ForwardingHandler(rules: configuration.forwarding)) }
        pipeline += handlers
        if !configuration.autoReplies.isEmpty { pipeline.append(AutoReplyHandler(rules: configuration.autoReplies)) }
        // The conversation engine is first: a party in a dialogue is answered by it, not by
        // keyword replies or forms.
        if let engine = makeConversationEngine(conversationStore ?? store as? any ConversationStore, responders: responders, clock: clock) {
            routerBox.conversations = engine
            pipeline.insert(engine, at: 0)
        }
        routerBox.router = MessageRouter(handlers: pipeline, store: store, inbox: configuration.inbox, logger: logger) {
            [weak self] request, origin, idempotencyKey in
            guard let self else { throw SwitchboardError(.unavailable, code: "shutting_down", "the hub is shutting down") }
            return try await self.send(
                request,
                sender: "connector:\(origin.connector)",
                idempotencyKey: idempotencyKey,
                replyVia: origin.connector.isEmpty ? nil : origin.connector
            )
        }
        clusterNotices.add { [weak self] notice in await self?.relayInboxNotice(notice) }
    }

    package var router: MessageRouter { routerBox.router! }
    /// The conversation engine, when the store keeps conversations.
    package var conversations: ConversationEngine? { routerBox.conversations }
    /// New inbox items, after their commit (the web pages' live socket listens).
    package var inboxEvents: InboxEvents { router.events }

    /// Accepts a message for sending: checks it, resolves its recipients to deliveries,
    /// commits message and deliveries in one transaction, and wakes the dispatcher. Returns
    /// only once everything is on disk.
    ///
    /// - Parameters:
    ///   - sender: who is sending (a username), recorded on the message and scoping idempotency keys.
    ///   - idempotencyKey: makes a retried request return the first answer and create nothing.
    ///   - replyVia: pin every delivery on this connector (replies leave where the message came in).
    package func send(_ request: SendRequest, sender: String, idempotencyKey: String? = nil, replyVia: String? = nil) async throws -> Acceptance {
        let submission = try await prepare(request, sender: sender, idempotencyKey: idempotencyKey, replyVia: replyVia)
        let acceptance = try await store.accept(submission)
        accepted([acceptance])
        return acceptance
    }

    /// Checks a request and resolves its recipients into the submission the outbox takes.
    func prepare(_ request: SendRequest, sender: String, idempotencyKey: String?, replyVia: String?) async throws -> Submission {
        try Self.validate(request)
        let resolution = try await resolver.resolve(request.to)
        guard !resolution.targets.isEmpty else { throw Self.noReachableRecipient(warnings: resolution.warnings) }
        let now = Date()
        let message = Message(
            subject: request.subject,
            text: request.text,
            html: request.html,
            attachments: request.attachments ?? [],
            severity: request.severity ?? .info,
            sender: sender,
            createdAt: now
        )
        let deliveries = resolution.targets.map { address in
            Delivery(
                messageID: message.id,
                address: address,
                channel: address.channel!,
                pinnedConnector: pinned(replyVia, for: address),
                createdAt: now
            )
        }
        return Submission(
            message: message,
            deliveries: deliveries,
            warnings: resolution.warnings,
            idempotency: idempotencyKey.flatMap { $0.isEmpty ? nil : IdempotencyKey(scope: sender, key: $0, fingerprint: request.fingerprint) }
        )
    }

    /// Counts what was newly committed and wakes the dispatcher once, if anything is queued
    /// (a turn's replies committed claimed are handed to it instead: no claim round for them).
    func accepted(_ acceptances: [Acceptance]) {
        let fresh = acceptances.filter { !$0.replayed }
        guard !fresh.isEmpty else { return }
        messagesAccepted.increment(by: fresh.count)
        deliveriesQueued.increment(by: fresh.reduce(0) { $0 + $1.record.deliveries.count })
        if fresh.contains(where: { $0.record.deliveries.contains { $0.status == .queued } }) { dispatcher.wake() }
    }

    /// A reply is pinned to the connector it came in on, if that connector serves the channel.
    func pinned(_ connector: String?, for address: Address) -> String? {
        guard let connector, let c = connectors[connector], let ch = address.channel, c.channels.contains(ch) else { return nil }
        return connector
    }

    static func validate(_ r: SendRequest) throws {
        if r.to.isEmpty { throw SwitchboardError.invalid("missing_recipients", "'to' must name at least one recipient") }
        if r.to.count > SendRequest.Limits.recipients {
            throw SwitchboardError.invalid("too_many_recipients", "'to' has \(r.to.count) recipients; at most \(SendRequest.Limits.recipients)")
        }
        if r.text.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            throw SwitchboardError.invalid("missing_text", "'text' must not be empty: it is what SMS and IM recipients get")
        }
        for (field, value) in [("text", r.text), ("subject", r.subject), ("html", r.html)] + r.to.map({ ("to", $0 as String?) })
        where NULText.contains(value) {
            throw SwitchboardError.invalid("invalid_text", NULText.refusal(field))
        }
        if r.text.utf8.count > SendRequest.Limits.textBytes {
            throw SwitchboardError.invalid("text_too_long", "'text' is \(r.text.utf8.count) bytes; at most \(SendRequest.Limits.textBytes)")
        }
        if let s = r.subject {
            if s.hasLineBreak {
                throw SwitchboardError.invalid("invalid_subject", "'subject' must not contain line breaks")
            }
            if s.utf8.count > SendRequest.Limits.subjectBytes {
                throw SwitchboardError.invalid("subject_too_long", "'subject' is longer than \(SendRequest.Limits.subjectBytes) bytes")
            }
        }
        if let a = r.attachments {
            if a.count > SendRequest.Limits.attachments {
                throw SwitchboardError.invalid("too_many_attachments", "at most \(SendRequest.Limits.attachments) attachments")
            }
            for file in a {
                if file.filename.isEmpty || file.filename.hasLineBreak || file.filename.unicodeScalars.contains(where: { $0 == "/" || $0 == "\0" }) {
                    throw SwitchboardError.invalid(
                        "invalid_attachment",
                        "attachment file name '\(file.filename)' is empty or contains / or a line break"
                    )
                }
                if file.contentType.split(separator: "/").count != 2 || file.contentType.hasLineBreak {
                    throw SwitchboardError.invalid(
                        "invalid_attachment",
                        "attachment '\(file.filename)' has content type '\(file.contentType)'; expected type/subtype"
                    )
                }
            }
        }
    }

    /// Hands an inbound message to the router; it is committed before this returns.
    @discardableResult
    package func receive(_ inbound: InboundMessage) async throws -> InboundResult {
        guard connectors[inbound.connector] != nil else {
            throw SwitchboardError.invalid("unknown_connector", "no connector named '\(inbound.connector)'")
        }
        var inbound = inbound
        let changed = inbound.replaceNUL()
        if !changed.isEmpty {
            logger.warning(
                "inbound message held NUL characters; each is kept as U+FFFD",
                metadata: ["connector": "\(inbound.connector)", "from": "\(inbound.from)", "fields": "\(changed.joined(separator: ","))"]
            )
        }
        return try await router.route(inbound)
    }

    /// Whether a message to `address` would reach a contact or a user (see `MessageRouter.addressee`).
    package func knowsRecipient(_ address: Address) async throws -> Bool {
        try await router.addressee(address).known
    }

    /// A connector's report over its own link (XMPP receipt, modem status report): the same
    /// path as a gateway's delivery report callback (`deliveryReport(connector:deliveryID:status:detail:)`).
    package func deliveryReported(connector: String, deliveryID: String, outcome: DeliveryReportOutcome, detail: String?) async throws {
        let status: DeliveryReport.Status =
            switch outcome {
            case .delivered: .delivered
            case .failed: .failed
            case .progress: .submitted
            }
        try await deliveryReport(connector: connector, deliveryID: deliveryID, status: status, detail: detail)
    }

    /// Whose inbox `inbound` would land in now (`nil`: the common one), as the router decides it,
    /// so the message tester can refuse a user's injection into someone else's private inbox.
    package func inboxOwner(for inbound: InboundMessage) async throws -> String? {
        try await router.inboxOwner(for: inbound)
    }

    /// A bucket connector by name, for the message tester.
    package func bucket(named name: String) -> BucketConnector? { connectors[name] as? BucketConnector }

    /// Warnings for adding `contact` to a group: groups reach members by SMS and email both.
    package func membershipWarnings(for contact: Contact, group: String) -> [String] {
        RecipientResolver.missingDetails(contact, context: "group \(group)")
    }

    /// The long-running parts: the sweeper lease, every connector's inbound loop, then the
    /// dispatcher. A service group stops them in reverse order, so the dispatcher stops sending
    /// before connectors close, and the lease is released after the sweepers stopped.
    package var services: [any Service] {
        [sweeperLease]
            + connectors.all.map { connector -> any Service in
                guard let owner = owners[connector.name] else { return ConnectorService(connector: connector, sink: self, logger: logger) }
                return OwnedConnectorService(owner: owner, connector: connector, sink: self, logger: logger)
            } + [dispatcher]
            + (conversations.map { [ConversationSweeper(engine: $0, lease: sweeperLease)] } ?? [])
            + (store is any UnroutedInboundAge
                ? [UnroutedSweeper(router: router, lease: sweeperLease, age: configuration.cluster.leaseTTL, logger: logger)] : [])
    }
}

extension Hub {
    /// A lease per single-owner connector, and the claim scope that follows from them, when
    /// other nodes share the leases; nothing on a store that is one node by design.
    static func connectorOwners(
        _ connectors: [any Connector],
        routes: [ChannelName: [String]],
        leases: any ClusterLeases,
        node: String,
        _ configuration: HubConfiguration,
        _ logger: Logger,
        _ clock: @escaping @Sendable () -> Date
    ) -> ConnectorOwners {
        guard leases.isSharedBetweenNodes else { return ConnectorOwners() }
        let singles = connectors.filter(\.singleOwner).map(\.name)
        let owners = singles.map { name in
            ConnectorOwner(
                connector: name,
                lease: LeaseKeeper(
                    leases: leases,
                    name: ClusterLeaseName.connector(name),
                    node: node,
                    ttl: configuration.cluster.leaseTTL,
                    logger: logger,
                    now: clock
                )
            )
        }
        return ConnectorOwners(owners, scope: ClaimScope(node: node, singleOwner: Set(singles), routes: routes))
    }
}

/// Holds the router, which needs a reference back to the hub for replies.
private final class RouterBox: @unchecked Sendable {
    // Written once during `Hub.init`, before the hub is shared; read-only after.
    var router: MessageRouter?
    var conversations: ConversationEngine?
}

/// Runs one connector's inbound loop as a service; a failing connector is logged and
/// restarted after a pause instead of taking the hub down.
struct ConnectorService: Service {
    let connector: any Connector
    let sink: any InboundSink
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown { await runUntilCancelled() }
    }

    /// The loop itself: until the connector returns or the task is cancelled.
    func runUntilCancelled() async {
        while !Task.isCancelled {
            do {
                try await connector.run(sink: sink)
                return
            } catch is CancellationError {
                return
            } catch {
                logger.error("connector stopped; restarting in 5 s", metadata: ["connector": "\(connector.name)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(5))
            }
        }
    }
}

extension String {
    /// Checks scalars, not characters: `"\r\n"` is one `Character` that equals neither `"\r"` nor `"\n"`.
    var hasLineBreak: Bool { unicodeScalars.contains { $0 == "\r" || $0 == "\n" } }
}
