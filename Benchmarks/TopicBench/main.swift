import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import SwitchboardCore
import SwitchboardServer
import SwitchboardSQLite

/// The topics benchmark (README "Topics"): one publisher to N subscribers over real
/// WebSockets on loopback, against the real server with every row committed to SQLite
/// (`synchronous = FULL`) before it is broadcast. A program that prints figures, never a test.
///
///     swift build -c release --product topic-bench && .build/release/topic-bench
///     topic-bench --quick          # smaller runs
///     topic-bench --idle-clients N --port P   (internal: the idle-connection client process)

let arguments = CommandLine.arguments
if let i = arguments.firstIndex(of: "--idle-clients") {
    let count = Int(arguments[i + 1])!
    let port = Int(arguments[arguments.firstIndex(of: "--port")! + 1])!
    try await IdleClients.run(count: count, port: port)
    exit(0)
}
let quick = arguments.contains("--quick")

var logger = Logger(label: "topic-bench")
logger.logLevel = .error
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("topic-bench-\(getpid())").path
defer { try? FileManager.default.removeItem(atPath: directory) }
let port = 20_000 + Int(getpid() % 20_000)

var configuration = HubConfiguration()
configuration.server.port = port
configuration.logging.level = "error"
var topic = TopicDefinition(name: "bench", columns: [TopicColumn(name: "body", type: .text), TopicColumn(name: "seq", type: .integer)],
                            read: TopicAccess(anonymous: true), write: TopicAccess(anonymous: true))
topic.historyLimit = 2_000
configuration.topics = [topic]
let store = try SQLiteStore(directory: directory, synchronous: .full)
let hub = Hub(configuration: configuration, store: store, connectors: [], logger: logger)
let app = buildApplication(hub: hub, registry: PrometheusCollectorRegistry(), logger: logger)
let url = "ws://127.0.0.1:\(port)/topics/bench"

print("topic-bench: SQLite synchronous=FULL, \(ProcessInfo.processInfo.activeProcessorCount) cores, \(quick ? "quick" : "full") run")
try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await app.runService(gracefulShutdownSignals: []) }
    try await BenchClient.waitForServer(url: url)
    FileHandle.standardError.write(Data("server up\n".utf8))
    var report = Report()
    for (n, messages) in quick ? [(10, 2_000), (100, 1_000)] : [(10, 10_000), (100, 5_000), (1_000, 1_000)] {
        FileHandle.standardError.write(Data("fan-out to \(n)\n".utf8))
        report.fanout.append(try await FanOut.run(url: url, subscribers: n, messages: messages, pacedPerSecond: nil))
    }
    report.paced = try await FanOut.run(url: url, subscribers: 10, messages: quick ? 1_000 : 3_000, pacedPerSecond: 1_000)
    report.history = try await HistoryRun.run(url: url, rows: 2_000)
    report.idle = try await IdleRun.run(port: port, connections: quick ? 1_000 : 10_000)
    report.print()
    group.cancelAll()
}
