import ArgumentParser
import AsyncHTTPClient
import BenchmarkSupport
import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import SwitchboardCore

/// `switchboard-bench`: messages accepted through the HTTP API and dispatched to a connector,
/// all in one process on loopback; prints accepted/s, sent/s and accept→sent latency.
///
/// A program that prints figures, never a timed test: the figures depend on the machine
/// (cores, disk flush latency), so they are recorded in the README with the machine and date.
@main
struct OutboxBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard-bench",
        abstract: "Benchmark the outbox: HTTP API in, bucket or HTTP gateway out, in one process.",
        discussion: """
            For each target and each number of senders, a fresh hub (SQLite in a temporary data directory, \
            the HTTP API on 127.0.0.1, the dispatcher) takes messages over HTTP keep-alive for --duration \
            seconds (or --count messages), then the outbox drains. A paced, open-loop run at --rate \
            messages/s follows. Build with -c release; see README.md, "Benchmarks".

            With --store postgres, each run gets a fresh database beside the one named by \
            $DATABASE_URL (--database-url-env) and --nodes real `switchboard serve` processes on it \
            (--hub-binary), sending to the gateway stand-in; requests go to the nodes in turn.
            """
    )

    @Option(help: "Where messages go: bucket, gateway, or both (comma-separated). Default both; gateway with --store postgres.")
    var target: String?

    @Option(help: "sqlite (one hub in this process) or postgres (hub processes on one PostgreSQL).")
    var store: String = "sqlite"

    @Option(help: "Hub processes with --store postgres; one run per value (comma-separated, e.g. 1,2).")
    var nodes: String = "1"

    @Option(help: "The environment variable holding the PostgreSQL URL (a role that may CREATE DATABASE).")
    var databaseURLEnv: String = "DATABASE_URL"

    @Option(help: "The switchboard executable the nodes run (default: the one beside this program).")
    var hubBinary: String?

    @Option(help: "Each node's PostgreSQL pool size (storage.postgres.pool_size).")
    var poolSize: Int = 10

    @Option(help: "Concurrent closed-loop senders; one run per value (comma-separated; 0 for none).")
    var senders: String = "1,4,16"

    @Option(help: "Seconds each run sends for.")
    var duration: Double = 10

    @Option(help: "Messages per run, instead of --duration.")
    var count: Int?

    @Option(help: "Offered messages/s of the open-loop run; 0 skips it.")
    var rate: Double = 1000

    @Option(help: "SQLite synchronous setting: full or normal.")
    var synchronous: String = "full"

    @Option(
        help: """
            How messages enter: http (the API), direct (Hub.send, no HTTP) or store (SQLiteStore.accept only); \
            me (GET /api/v1/me, no message: the HTTP and authentication ceiling); batch \
            (POST /api/v1/messages/batch, --batch-size messages a request).
            """
    )
    var entry: String = "http"

    @Option(help: "Messages per request with --entry batch.")
    var batchSize: Int = 100

    @Option(help: "pipeline: dispatch while accepting. split: accept first, then dispatch alone (measures each apart).")
    var stage: String = "pipeline"

    @Option(help: "Dispatcher workers (default: the hub's default).")
    var workers: Int?

    @Option(help: "API port (default: a free port on 127.0.0.1).")
    var port: Int?

    @Option(help: "Seconds to wait for the outbox to drain after a run.")
    var drainTimeout: Double = 120

    @Option(help: "The hub's log level; `info` logs every request, as `serve` does by default.")
    var logLevel: String = "warning"

    @Flag(help: "Print the figures as JSON instead of a table.")
    var json = false

    @Flag(help: "Keep each run's data directory.")
    var keepData = false

    func validate() throws {
        _ = try targets()
        let nodeCounts = try self.nodeCounts()
        guard ["sqlite", "postgres"].contains(store) else { throw ValidationError("--store must be sqlite or postgres") }
        if store == "postgres" {
            guard try targets() == [.gateway] else {
                throw ValidationError("--store postgres sends through the gateway stand-in only: --target gateway")
            }
            guard [.http, .batch, .me].contains(LoadGenerator.Entry(rawValue: entry)) else {
                throw ValidationError("--store postgres takes --entry http, batch or me (the hubs are other processes)")
            }
            guard stage == "pipeline" else { throw ValidationError("--stage split needs the hub in this process (--store sqlite)") }
            guard ProcessInfo.processInfo.environment[databaseURLEnv].map({ !$0.isEmpty }) == true else {
                throw ValidationError("--store postgres: $\(databaseURLEnv) is not set (postgres://USER:PASSWORD@HOST:PORT/DATABASE)")
            }
            guard FileManager.default.isExecutableFile(atPath: hubExecutable) else {
                throw ValidationError("--hub-binary: no switchboard executable at \(hubExecutable)")
            }
            guard (1...1000).contains(poolSize) else { throw ValidationError("--pool-size must be 1...1000") }
        } else if nodeCounts != [1] {
            throw ValidationError("--nodes needs --store postgres (SQLite is one hub)")
        }
        _ = try senderCounts()
        guard duration > 0, duration <= 3600 else { throw ValidationError("--duration must be 0 < s <= 3600") }
        if let count, count < 1 || count > 10_000_000 { throw ValidationError("--count must be 1...10,000,000") }
        guard rate >= 0, rate <= 1_000_000 else { throw ValidationError("--rate must be 0...1,000,000") }
        guard StorageSettings.Synchronous(rawValue: synchronous) != nil else { throw ValidationError("--synchronous must be full or normal") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level '\(logLevel)'") }
        if let workers, !(1...1024).contains(workers) { throw ValidationError("--workers must be 1...1024") }
        guard LoadGenerator.Entry(rawValue: entry) != nil else { throw ValidationError("--entry must be http, batch, direct, store or me") }
        guard ["pipeline", "split"].contains(stage) else { throw ValidationError("--stage must be pipeline or split") }
        guard (1...Hub.maxBatchMessages).contains(batchSize) else { throw ValidationError("--batch-size must be 1...\(Hub.maxBatchMessages)") }
    }

    func targets() throws -> [BenchTarget] {
        try (target ?? (store == "postgres" ? "gateway" : "bucket,gateway")).split(separator: ",").map { name in
            guard let t = BenchTarget(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--target: '\(name)' is not bucket or gateway")
            }
            return t
        }
    }

    func nodeCounts() throws -> [Int] {
        try nodes.split(separator: ",").map { text in
            guard let n = Int(text.trimmingCharacters(in: .whitespaces)), (1...16).contains(n) else {
                throw ValidationError("--nodes: '\(text)' is not a number of nodes (1...16)")
            }
            return n
        }
    }

    /// `--hub-binary`, or `switchboard` beside this program (`.build/release/`).
    var hubExecutable: String {
        hubBinary ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("switchboard").path
    }

    func senderCounts() throws -> [Int] {
        try senders.split(separator: ",").map { text in
            guard let n = Int(text.trimmingCharacters(in: .whitespaces)), (0...1024).contains(n) else {
                throw ValidationError("--senders: '\(text)' is not a number of senders (0...1024)")
            }
            return n
        }.filter { $0 > 0 }
    }

    func run() async throws {
        // As `switchboard serve` does: tasks run on NIO's event loops (the hub of a SQLite run
        // is in this process, and is measured as it runs in production).
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let level = Logger.Level(rawValue: logLevel) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let synchronousSetting = StorageSettings.Synchronous(rawValue: synchronous) ?? .full
        let settings = BenchHub.Settings(
            synchronous: synchronousSetting,
            workers: workers,
            port: port,
            keepData: keepData,
            logger: Logger(label: "switchboard"),
            registry: registry,
            startDispatcher: stage == "pipeline"
        )
        let workerCount = workers ?? DispatcherSettings().workers

        // The senders' client: enough keep-alive connections for every sender and for the
        // open-loop run's overlapping requests.
        var pool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
        pool.retryConnectionEstablishment = false
        let client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: .init(redirectConfiguration: .disallow, connectionPool: pool, decompression: .disabled)
        )
        let flush = DiskProbe.flushLatency(in: FileManager.default.temporaryDirectory.path)
        progress("disk flush (4 KiB write + fdatasync in \(FileManager.default.temporaryDirectory.path)): " + ReportTable.describe(flush))
        let results: [RunResult]
        do {
            results = try await runAll(settings: settings, workers: workerCount, client: client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()

        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            let report = Report(
                date: Date(),
                cores: ProcessFacts.cores,
                arguments: Array(CommandLine.arguments.dropFirst()),
                diskFlushMs: flush,
                runs: results
            )
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(ReportTable.render(results, cores: ProcessFacts.cores, flush: flush))
        }
    }

    /// Every target with every load, one fresh hub each.
    func runAll(settings: BenchHub.Settings, workers workerCount: Int, client: HTTPClient) async throws -> [RunResult] {
        let synchronousSetting = settings.synchronous

        var loads: [(label: String, senders: Int?, rate: Double?)] = try senderCounts().map { n in
            ("\(n) sender\(n == 1 ? "" : "s")", n, nil)
        }
        if rate > 0 { loads.append(("\(Self.format(rate, decimals: 0))/s offered", nil, rate)) }
        let length = Duration.nanoseconds(Int64(duration * 1e9))

        let entry = LoadGenerator.Entry(rawValue: self.entry) ?? .http
        let split = stage == "split"
        progress(
            "switchboard-bench: \(ProcessFacts.cores) cores, synchronous=\(synchronous), dispatcher workers \(workerCount), "
                + "entry \(entry.rawValue), stage \(stage), "
                + (count.map { "\($0) messages per run" } ?? "\(Self.format(duration, decimals: 1)) s per run")
        )
        var results: [RunResult] = []
        for target in try targets() {
            for nodeCount in try nodeCounts() {
                for load in loads {
                    progress("  \(target.rawValue), \(store == "postgres" ? "\(nodeCount) node\(nodeCount == 1 ? "" : "s"), " : "")\(load.label) …")
                    let measure: @Sendable (any BenchSystem, String) async throws -> RunResult = {
                        [count, drainTimeout, batchSize] bench, synchronous in
                        try await Self.measure(
                            bench,
                            target: target,
                            load: load,
                            length: length,
                            count: count,
                            entry: entry,
                            batchSize: batchSize,
                            split: split,
                            synchronous: synchronous,
                            workers: workerCount,
                            drainTimeout: drainTimeout,
                            client: client
                        )
                    }
                    let result: RunResult
                    if store == "postgres" {
                        let nodeSettings = HubNodes.Settings(
                            nodes: nodeCount,
                            databaseURL: ProcessInfo.processInfo.environment[databaseURLEnv] ?? "",
                            hubBinary: hubExecutable,
                            workers: workers,
                            poolSize: poolSize,
                            keepData: keepData,
                            logger: settings.logger
                        )
                        result = try await HubNodes.withNodes(nodeSettings, client: client) { nodes in
                            try await measure(nodes, "postgres " + nodes.synchronousCommit)
                        }
                    } else {
                        result = try await BenchHub.withHub(settings, client: client) { bench in
                            try await measure(bench, synchronousSetting.rawValue)
                        }
                    }
                    progress("    " + ReportTable.summary(result))
                    results.append(result)
                }
            }
        }
        return results
    }

    /// Sends one run of load, waits for the outbox to drain, and joins the figures.
    static func measure(
        _ bench: any BenchSystem,
        target: BenchTarget,
        load: (label: String, senders: Int?, rate: Double?),
        length: Duration,
        count: Int?,
        entry: LoadGenerator.Entry,
        batchSize: Int,
        split: Bool,
        synchronous: String,
        workers: Int,
        drainTimeout: Double,
        client: HTTPClient
    ) async throws -> RunResult {
        let generator = LoadGenerator(entry: entry, client: client, bench: bench, target: target, batchSize: batchSize)
        // Warm-up, not counted: the client opens its connections, the hub's caches and
        // statements fill; then the outbox drains before the measured run starts.
        // (Not with --stage split: nothing would send the warm-up messages before the run.)
        let warmUp = Duration.milliseconds(500)
        if !split {
            if let rate = load.rate {
                _ = await generator.openLoop(rate: rate, duration: warmUp, count: nil)
            } else {
                _ = await generator.closedLoop(senders: load.senders ?? 1, duration: warmUp, count: nil)
            }
        }
        if !split, entry != .me {
            _ = try await drained(bench, by: ContinuousClock.now + .seconds(drainTimeout))
        }
        let clusterBefore = bench.clusterCPU()
        let cpuBefore = ProcessFacts.cpuSeconds()
        let machineBefore = ProcessFacts.machineBusySeconds()
        let wallBefore = ContinuousClock.now
        let outcome: LoadGenerator.Outcome
        if let rate = load.rate {
            outcome = await generator.openLoop(rate: rate, duration: length, count: count)
        } else {
            outcome = await generator.closedLoop(senders: load.senders ?? 1, duration: length, count: count)
        }

        let cpuWhileSubmitting = ProcessFacts.cpuSeconds() - cpuBefore

        // Split: the dispatcher's own loop (claim a batch, send it, again at once while
        // anything was claimed), started only now, on the full outbox.
        var dispatchStarted: Date?
        if split, let hub = bench.inProcessHub {
            dispatchStarted = Date()
            while await hub.dispatcher.dispatchOnce() > 0 {}
        }

        // Drain: until the store holds nothing queued or sending, i.e. every outcome is
        // recorded. (Polling the store, not the bucket: reading the bucket's array while it
        // grows would make its next send copy the whole array.)
        let settled = try await drained(bench, by: ContinuousClock.now + .nanoseconds(Int64(drainTimeout * 1e9)))
        let wall = ContinuousClock.now - wallBefore
        let cpu = ProcessFacts.cpuSeconds() - cpuBefore
        let machine = ProcessFacts.machineBusySeconds() - machineBefore
        var cluster: ClusterCPU?
        if let after = bench.clusterCPU(), let before = clusterBefore { cluster = after - before }
        return RunResult(
            target: target,
            load: load.label,
            senders: load.senders,
            offeredPerSecond: load.rate,
            synchronous: synchronous,
            dispatcherWorkers: workers,
            entry: entry,
            dispatchStarted: dispatchStarted,
            outcome: outcome,
            arrivals: bench.arrivals(at: target),
            settled: settled,
            cpuSeconds: cpu,
            cpuSecondsWhileSubmitting: cpuWhileSubmitting,
            machineCPUSeconds: machine,
            wallSeconds: Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18,
            cluster: cluster
        )
    }

    /// Polls the store every 10 ms until nothing is queued or sending (every outcome
    /// recorded); when that was, or `nil` if `deadline` came first.
    static func drained(_ bench: any BenchSystem, by deadline: ContinuousClock.Instant) async throws -> Date? {
        while ContinuousClock.now < deadline {
            if try await !bench.hasOutstanding() { return Date() }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    func progress(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func format(_ value: Double, decimals: Int) -> String {
        value.isNaN ? "-" : String(format: "%.\(decimals)f", value)
    }
}

/// What `--json` prints.
struct Report: Codable {
    var date: Date
    var cores: Int
    var arguments: [String]
    /// `DiskProbe`: 4 KiB write + fdatasync in the temporary directory, before the runs.
    var diskFlushMs: Percentiles?
    var runs: [RunResult]
}
