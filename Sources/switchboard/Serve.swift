import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import SwitchboardCore
import SwitchboardPostgres
import SwitchboardSQLite
import SwitchboardServer

/// Runs the hub: HTTP API, dispatcher and every connector, until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the hub (HTTP API, outbox dispatcher, connectors).")

    @OptionGroup var hub: HubOptions
    @Option(help: "Address to listen on (overrides server.host).") var host: String?
    @Option(help: "Port to listen on (overrides server.port).") var port: Int?

    func run() async throws {
        // Swift tasks run on NIO's event loops, not on a second pool of threads: a task resumed
        // by a socket's answer (a gateway's, PostgreSQL's) goes on on the thread that read it,
        // instead of waking another. Measured on a node sending through an HTTP gateway: about
        // 30 µs less CPU per message (README, "Several nodes on PostgreSQL"). Nothing in the hub
        // blocks a task's thread: bcrypt runs on NIO's thread pool, SQLite on GRDB's queues.
        let tasksOnEventLoops = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        // Metrics first: connectors are made with the configuration, and a metric created
        // before the bootstrap (a modem's gauges) would report to nothing for good.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var (configuration, connectors) = try HubFactory.loadConfiguration(hub)
        if let host { configuration.server.host = host }
        if let port { configuration.server.port = port }
        LoggingSetup.bootstrap(configuration.logging)
        let logger = Logger(label: "switchboard")
        logger.debug("executor", metadata: ["tasks_on_event_loops": "\(tasksOnEventLoops)"])
        switch configuration.storage.driver {
        case .sqlite:
            let hub = try HubFactory.makeHub(configuration: configuration, connectors: connectors, logger: logger)
            try await Self.serve(hub, registry: registry, logger: logger)
        case .postgres:
            // The pool runs around the whole service group, so it stops after every service.
            try await HubFactory.withPostgres(configuration, logger: logger) { store in
                let hub = try HubFactory.makeHub(configuration: configuration, connectors: connectors, postgres: store, logger: logger)
                // Deliveries queued on any node wake this node's dispatcher (polling stays the fallback).
                let doorbell = PostgresDoorbell(store: store) { [dispatcher = hub.dispatcher] in dispatcher.wake() }
                // Other nodes' topic changes and inbox items reach this node's live sockets.
                let fanOut = PostgresFanOutListener(store: store, notices: hub.clusterNotices)
                try await Self.serve(hub, registry: registry, logger: logger, services: [doorbell, fanOut])
            }
        }
    }

    /// Start-up recovery, then the service group until a shutdown signal.
    static func serve(_ hub: Hub, registry: PrometheusCollectorRegistry, logger: Logger, services: [any Service] = []) async throws {
        let env = ProcessInfo.processInfo.environment
        let admin = hub.configuration.admin
        switch try await Accounts(store: hub.store).bootstrapAdmin(username: admin.username, password: env[admin.passwordEnv]) {
        case .created(let generated?):
            // Printed once, to the terminal only: the log never sees a password.
            print(
                """
                First start: created the admin account.
                  username: \(admin.username)
                  password: \(generated)
                Keep it safe; change it with `switchboard users passwd \(admin.username)`.
                """
            )
            fflush(nil)
        case .created(nil):
            logger.info("created admin account from environment", metadata: ["username": "\(admin.username)", "variable": "\(admin.passwordEnv)"])
        case .alreadyExists:
            break
        }
        // A topic table that cannot take its configured columns stops the hub here, not at
        // the first WebSocket client.
        if let topics = hub.store as? any TopicStore, !hub.configuration.topics.isEmpty {
            try await CLIError.wrap { try await topics.prepareTopics(hub.configuration.topics) }
        }
        // Groups are the directory's, not the file's: a responder naming one that is gone is
        // said at start, not first when a party meets it.
        for problem in try await DeclaredResponderDefinition.missingGroups(hub.configuration.responders, in: hub.store) {
            logger.warning("a declared responder names a group that does not exist", metadata: ["problem": "\(problem)"])
        }
        // One hub owns a SQLite file: anything still `sending` belongs to a process that died,
        // so it is due again now rather than when its lease runs out. On PostgreSQL other
        // nodes' claims are alive: a dead node's run out with their leases.
        if hub.configuration.storage.driver == .sqlite {
            let released = try await hub.store.releaseClaims(now: Date())
            if released > 0 { logger.warning("requeued deliveries left in flight by a previous run", metadata: ["count": "\(released)"]) }
        }
        // Inbound messages a previous run committed (and acknowledged) but did not finish
        // routing reach their handlers and inboxes before anything new comes in: on the node
        // that takes the `sweeper` lease at start (every node on SQLite), once in the cluster.
        // On PostgreSQL only what has been unrouted for one lease_ttl: a younger message may be
        // a live node's, routing it now; the `UnroutedSweeper` takes the rest once they are that old.
        if await hub.sweeperLease.renew() {
            let rerouted = try await hub.router.routeUnrouted(settledFor: hub.configuration.cluster.leaseTTL)
            if rerouted > 0 { logger.warning("routed inbound messages left unrouted by a previous run", metadata: ["count": "\(rerouted)"]) }
        }
        // Sockets are files: take all the open-file limit allows (buildApplication logs it).
        FileDescriptorLimit.raise()
        let app = buildApplication(hub: hub, registry: registry, logger: logger)
        logger.info(
            "switchboard starting",
            metadata: [
                "address": "\(hub.configuration.server.host):\(hub.configuration.server.port)",
                "data_dir": "\(hub.configuration.storage.dataDirectory)",
                "connectors": "\(hub.connectors.names.joined(separator: ","))",
            ]
        )
        // Stopped in reverse order: the HTTP server first (finishing in-flight requests),
        // then connectors and the dispatcher, and the SQLite checkpointer last, after the
        // last writes.
        let checkpointer: [any Service] = (hub.store as? SQLiteStore)?.checkpointer.map { [$0] } ?? []
        let group = ServiceGroup(
            configuration: .init(
                services: checkpointer + services + hub.services + [app],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
