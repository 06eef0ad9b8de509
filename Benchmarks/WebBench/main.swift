import AsyncHTTPClient
import BenchmarkSupport
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import SwitchboardCore
import SwitchboardSQLite
import SwitchboardServer
import Synchronization

/// The web interface's speed (README "Benchmarks"): with a large common inbox in SQLite
/// (`synchronous = FULL`), the time per inbox page (`/` as HTML, `/api/v1/inbox` as JSON) over
/// keep-alive HTTP on loopback; the time from handing an inbound message to the hub (its
/// commits included) to its row arriving at each of many open `/ws/inbox` subscribers; and
/// the size of every script and stylesheet served. A program that prints figures, never a test.
///
///     SWITCHBOARD_BENCHMARKS=1 swift build -c release --product web-bench && .build/release/web-bench
///     web-bench --items 100000 --subscribers 500 --messages 200 --requests 300 --browser-pages 2
///
/// Run it from the repository's root: `--browser-pages` runs `Benchmarks/web_live_browser.py`.

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: Int) -> Int {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? Int(arguments[$0 + 1]) : nil } ?? fallback
}

var logger = Logger(label: "web-bench")
logger.logLevel = .error
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("web-bench-\(getpid())").path
defer { try? FileManager.default.removeItem(atPath: directory) }
let port = 20_000 + Int(getpid() % 20_000)

var configuration = HubConfiguration.embeddedDefault
configuration.server.port = port
// Every subscriber connects from 127.0.0.1: the per-address cap is lifted.
configuration.server.transport.maxConnections = 1_000_000
configuration.server.transport.maxConnectionsPerAddress = 1_000_000
configuration.logging.level = "error"

let itemCount = option("--items", 100_000)
print("web-bench: SQLite synchronous=FULL, \(ProcessInfo.processInfo.activeProcessorCount) cores, load average at start \(WebBench.loadAverage())")
try await WebBench.fill(directory: directory, configuration: configuration, items: itemCount, logger: logger)

let store = try SQLiteStore(directory: directory, synchronous: .full)
let hub = Hub(configuration: configuration, store: store, connectors: [BucketConnector(name: "tester")], logger: logger)
let password = "bench-\(UUID().uuidString)"
_ = try await Accounts(store: store).bootstrapAdmin(username: "admin", password: password)
let app = buildApplication(hub: hub, registry: PrometheusCollectorRegistry(), logger: logger)
let clients = MultiThreadedEventLoopGroup._makePerpetualGroup(threadNamePrefix: ProcessFacts.clientThreadPrefix, numberOfThreads: 1)
let bench = WebBench(
    hub: hub,
    port: port,
    clients: clients,
    http: HTTPClient(eventLoopGroup: clients),
    password: password,
    items: itemCount,
    subscribers: option("--subscribers", 500),
    messages: option("--messages", 200),
    requests: option("--requests", 300),
    pace: .milliseconds(option("--interval-ms", 20)),
    browserPages: option("--browser-pages", 0)
)
// Shut down gracefully at the end, as `serve` does: sockets get their closing handshake.
let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await services.run() }
    try await bench.run()
    await services.triggerGracefulShutdown()
    try await group.waitForAll()
}
try await bench.http.shutdown()
