import BenchmarkSupport
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import SwitchboardCore
import SwitchboardPostgres
import SwitchboardSQLite
import SwitchboardServer

/// The topics benchmark (README "Topics"): one publisher to N subscribers over real
/// WebSockets on loopback, against the real server with every row committed to SQLite
/// (`synchronous = FULL`), or to PostgreSQL, before it is broadcast. A program that prints
/// figures, never a test.
///
///     swift build -c release --product topic-bench && .build/release/topic-bench
///     topic-bench --quick          # smaller runs
///     topic-bench --only paced     # one part: idle, fanout, paced or history
///     topic-bench --store postgres # the hub on a fresh database beside $DATABASE_URL's
///     topic-bench --store postgres --nodes N   # N hubs in this process on that one database,
///                                  # each its own store, node id, fan-out listener and port;
///                                  # published through node 0, subscribers spread over the nodes
///     topic-bench --idle-clients N --port P   (internal: the idle-connection client process)

let arguments = CommandLine.arguments
func option(_ name: String) -> String? { arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } }
if let count = option("--idle-clients").flatMap(Int.init), let port = option("--port").flatMap(Int.init) {
    try await IdleClients.run(count: count, port: port)
    exit(0)
}
let quick = arguments.contains("--quick")
let only = option("--only")
func part(_ name: String) -> Bool { only == nil || only == name }
let idleConnections = option("--idle").flatMap(Int.init) ?? (quick ? 1_000 : 10_000)
let fileLimit = FileLimit.raise()
let storeKind = option("--store") ?? "sqlite"
let nodeCount = option("--nodes").map { Int($0) ?? 0 } ?? 1
guard ["sqlite", "postgres"].contains(storeKind) else {
    FileHandle.standardError.write(Data("topic-bench: --store must be sqlite or postgres\n".utf8))
    exit(2)
}
guard nodeCount >= 1 else {
    FileHandle.standardError.write(Data("topic-bench: --nodes must be a whole number of at least 1\n".utf8))
    exit(2)
}
guard nodeCount == 1 || storeKind == "postgres" else {
    // A SQLite file is owned by one hub process: several nodes share a PostgreSQL database.
    FileHandle.standardError.write(Data("topic-bench: --nodes \(nodeCount) needs --store postgres: a SQLite hub is one node by design\n".utf8))
    exit(2)
}

var logger = Logger(label: "topic-bench")
logger.logLevel = .error
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("topic-bench-\(getpid())").path
defer { try? FileManager.default.removeItem(atPath: directory) }
let port = 20_000 + Int(getpid() % 20_000)
/// Node `i` listens on `port + i`; node 0 takes the publisher (and the idle and history parts).
let ports = (0..<nodeCount).map { port + $0 }

var configuration = HubConfiguration()
configuration.server.port = port
// Every bench client connects from 127.0.0.1, and the idle run opens 10,000 of them: the
// caps are lifted (the hub still fits its cap under the open-file limit).
configuration.server.transport.maxConnections = 1_000_000
configuration.server.transport.maxConnectionsPerAddress = 1_000_000
configuration.logging.level = "error"
var topic = TopicDefinition(
    name: "bench",
    columns: [TopicColumn(name: "body", type: .text), TopicColumn(name: "seq", type: .integer)],
    read: TopicAccess(anonymous: true),
    write: TopicAccess(anonymous: true)
)
topic.historyLimit = 2_000
// Full-speed runs publish faster than a thousand subscribers on two cores can be written to;
// the throughput figures are about the server, not about dropping slow readers.
topic.maxQueuedFrames = 1_000_000
// The same topic with `durability: commit`: committed (safe from a hub crash) before the
// broadcast, flushed by the next checkpoint; for the paced run beside the flushing one.
var committed = topic
committed.name = "bench_commit"
committed.path = "/topics/bench_commit"
committed.table = "bench_commit"
committed.durability = .commit
configuration.topics = [topic, committed]
let clients = MultiThreadedEventLoopGroup._makePerpetualGroup(threadNamePrefix: ProcessFacts.clientThreadPrefix, numberOfThreads: 1)

func note(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

/// The benchmark's parts, as static functions so the PostgreSQL branch can call them from
/// inside its database's scope.
enum Parts {
    /// Every part against `hubs` (one per node, each on its own port), served as `serve`
    /// serves them (with `services` beside the HTTP servers); `databaseCPU` reads the
    /// database's own CPU seconds when it is a process apart.
    @MainActor
    static func run(hubs: [Hub], services: [any Service], storeLabel: String, databaseCPU: @escaping @Sendable () -> Double?) async throws {
        let apps = hubs.map { buildApplication(hub: $0, registry: PrometheusCollectorRegistry(), logger: logger) }
        print(
            "topic-bench: \(storeLabel), \(ProcessInfo.processInfo.activeProcessorCount) cores, open-file limit \(fileLimit), "
                + "\(quick ? "quick" : "full") run, load average \(ProcessFacts.loadAverage()) at start"
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            for app in apps { group.addTask { try await app.runService(gracefulShutdownSignals: []) } }
            for service in services { group.addTask { try await service.run() } }
            try await all(databaseCPU: databaseCPU)
            group.cancelAll()
        }
    }

    @MainActor
    static func all(databaseCPU: @escaping @Sendable () -> Double?) async throws {
        for nodePort in ports {
            var up = false
            for _ in 0..<200 where !up {
                if let c = try? await LeanWebSocketClient.connect(group: clients, port: nodePort, path: "/topics/bench?_limit=0", onText: { _ in }) {
                    try await c.close()
                    up = true
                } else {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            guard up else { throw BenchFailure("the server on port \(nodePort) did not start") }
        }
        let machine0 = ProcessFacts.machineBusySeconds()
        let wall0 = ContinuousClock.now
        var report = Report()
        if part("idle") {
            note("idle: \(idleConnections) connections")
            report.idle = try await IdleRun.run(port: port, connections: idleConnections)
            note("  \(String(format: "%.1f", report.idle.bytesPerConnection / 1024)) KB per idle connection")
        }
        for (n, messages) in quick ? [(10, 2_000), (100, 1_000), (1_000, 200)] : [(10, 20_000), (100, 5_000), (1_000, 1_000)] where part("fanout") {
            note("fan-out to \(n)")
            report.runs.append(
                try await FanOut.run(
                    clients: clients,
                    ports: ports,
                    subscribers: n,
                    messages: messages,
                    pacedPerSecond: nil,
                    databaseCPU: databaseCPU
                )
            )
        }
        if part("paced") {
            let messages = quick ? 1_000 : 5_000
            note("paced, and the disk's own floor")
            report.floor = try await DiskFloor.measure(directory: directory, perSecond: 1_000, writes: messages)
            report.runs.append(
                try await FanOut.run(
                    clients: clients,
                    ports: ports,
                    subscribers: 10,
                    messages: messages,
                    pacedPerSecond: 1_000,
                    databaseCPU: databaseCPU
                )
            )
            report.runs.append(
                try await FanOut.run(
                    clients: clients,
                    ports: ports,
                    topic: "bench_commit",
                    subscribers: 10,
                    messages: messages,
                    pacedPerSecond: 1_000,
                    databaseCPU: databaseCPU
                )
            )
        }
        if part("history") {
            note("history")
            if only != nil {  // the fan-out runs did not fill the table
                _ = try await FanOut.run(clients: clients, ports: [port], subscribers: 1, messages: 2_000, pacedPerSecond: nil)
            }
            report.history = try await HistoryRun.run(clients: clients, port: port, rows: 2_000)
        }
        let wall = (ContinuousClock.now - wall0) / .seconds(1)
        report.machineLoad = (ProcessFacts.machineBusySeconds() - machine0) / wall
        report.print()
    }
}

let topicConfiguration = configuration
let benchLogger = logger
if storeKind == "postgres" {
    guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
        FileHandle.standardError.write(Data("topic-bench: --store postgres needs $DATABASE_URL (a role that may CREATE DATABASE)\n".utf8))
        exit(2)
    }
    // The disk-floor probe writes here (on SQLite the store makes the directory).
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try await ScratchDatabase.with(beside: url, logger: benchLogger) { scratch in
        let endpoint = try PostgresEndpoint(url: scratch.url)
        // One store (pool), node id, port and fan-out listener per node, as `serve` wires them;
        // the doorbell is left out: this bench queues no deliveries for it to ring about.
        let stores = try (0..<nodeCount).map { _ in
            try PostgresStore(configuration: .init(endpoint: endpoint, poolSize: 10, tls: .disable), logger: benchLogger)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores { group.addTask { try await store.run() } }
            var hubs: [Hub] = []
            var listeners: [any Service] = []
            for (i, store) in stores.enumerated() {
                try await store.migrate()
                guard let hubStore = (store as any Sendable) as? any HubStore else {
                    throw BenchFailure("the PostgreSQL store is not a whole hub store")
                }
                var nodeConfiguration = topicConfiguration
                nodeConfiguration.server.port = ports[i]
                nodeConfiguration.cluster.nodeID = "topic-bench-\(i)"
                let hub = Hub(configuration: nodeConfiguration, store: hubStore, connectors: [], logger: benchLogger)
                hubs.append(hub)
                listeners.append(PostgresFanOutListener(store: store, notices: hub.clusterNotices))
            }
            let nodes =
                nodeCount == 1
                ? "one node in this process"
                : "\(nodeCount) nodes in this process (each its own pool, node id, fan-out listener and port), "
                    + "published through node 0, subscribers spread over the nodes"
            let label = "PostgreSQL synchronous_commit=\(try await scratch.setting("synchronous_commit")), \(nodes)"
            try await Parts.run(hubs: hubs, services: listeners, storeLabel: label, databaseCPU: { scratch.cpuSeconds() })
            group.cancelAll()
        }
    }
} else {
    let store = try SQLiteStore(directory: directory, synchronous: .full)
    let hub = Hub(configuration: configuration, store: store, connectors: [], logger: logger)
    // As `serve` does: the log is checkpointed in the background while the server runs.
    try await Parts.run(hubs: [hub], services: store.checkpointer.map { [$0] } ?? [], storeLabel: "SQLite synchronous=FULL", databaseCPU: { nil })
}
