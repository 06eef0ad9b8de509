import AsyncHTTPClient
import BenchmarkSupport
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SwitchboardCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `--store postgres --nodes N`: N real `switchboard serve` processes, run as users run
/// them, against one fresh PostgreSQL database made for the run and dropped after it
/// (`ScratchDatabase`), all sending to the gateway stand-in in this process.
///
/// Real processes rather than N `Hub`s in this one: each node then has its own pool, event
/// loops, doorbell connection and claims, exactly as in production, and the kernel counts
/// each node's CPU apart (`/proc/PID/stat`), next to PostgreSQL's (the postmaster and its
/// backends) and the bench's own (load generator and stand-in).
struct HubNodes: BenchSystem {
    struct Settings: Sendable {
        var nodes: Int
        /// A database the role may `CREATE DATABASE` from (the run's own is made beside it).
        var databaseURL: String
        /// The `switchboard` executable the nodes run.
        var hubBinary: String
        var workers: Int?
        var poolSize: Int
        var keepData: Bool
        var logger: Logger
    }

    let baseURLs: [String]
    let bearerToken: String
    let gateway: GatewayStandIn
    let nodePIDs: [Int32]
    let database: ScratchDatabase
    /// The server's `synchronous_commit` (on: every commit waits for its WAL flush).
    let synchronousCommit: String

    var inProcessHub: Hub? { nil }

    func arrivals(at target: BenchTarget) -> [String: Date] { gateway.arrivals() }

    /// How many requests the stand-in had received when `hasOutstanding` last looked.
    let arrivalsSeen = ArrivalsSeen()

    /// Anything queued or sending in the shared outbox (what `nextDue` looks at). Asked every
    /// 10 ms while a run drains, and its CPU is counted as PostgreSQL's, so the database is
    /// asked only once the gateway stand-in has stopped receiving: while requests still arrive,
    /// something is being sent. Even one `EXISTS` per status, each on its own partial index,
    /// walked the index entries that claimed and finished rows leave behind until they are
    /// cleaned up: 0.15–3.4 s of "PostgreSQL CPU" per run, up to ~70 µs per message sent.
    func hasOutstanding() async throws -> Bool {
        let received = gateway.receivedCount()
        let stillArriving = arrivalsSeen.count.withLock { seen in
            defer { seen = received }
            return seen != received
        }
        if stillArriving { return true }
        let rows = try await database.client.query(
            """
            SELECT EXISTS (SELECT 1 FROM deliveries WHERE status = 'queued')
                OR EXISTS (SELECT 1 FROM deliveries WHERE status = 'sending') AS busy
            """
        )
        for try await busy in rows.decode(Bool.self) { return busy }
        return false
    }

    func clusterCPU() -> ClusterCPU? {
        ClusterCPU(
            nodes: nodePIDs.count,
            hubSeconds: nodePIDs.reduce(0) { $0 + ProcessFacts.cpuSeconds(pid: String($1)) },
            databaseSeconds: database.cpuSeconds()
        )
    }

    /// Makes the database, starts the stand-in and the nodes, runs `body`, then stops the
    /// nodes (SIGTERM: they drain), the stand-in, and drops the database.
    static func withNodes<T: Sendable>(
        _ settings: Settings,
        client: HTTPClient,
        _ body: @Sendable @escaping (HubNodes) async throws -> T
    ) async throws -> T {
        try await ScratchDatabase.with(beside: settings.databaseURL, keep: settings.keepData, logger: settings.logger) { database in
            try await run(on: database, settings, client: client, body)
        }
    }

    private static func run<T: Sendable>(
        on database: ScratchDatabase,
        _ settings: Settings,
        client: HTTPClient,
        _ body: @Sendable @escaping (HubNodes) async throws -> T
    ) async throws -> T {
        let logger = settings.logger
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-bench-\(database.name)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let standIn = GatewayStandIn()
        return try await standIn.whileRunning(logger: logger) { gatewayPort in
            var processes: [Process] = []
            func stop() async {
                for process in processes where process.isRunning { process.terminate() }
                for process in processes { await reap(process) }
                if settings.keepData {
                    FileHandle.standardError.write(Data("node configurations and logs kept in \(directory)\n".utf8))
                } else {
                    try? FileManager.default.removeItem(atPath: directory)
                }
            }
            do {
                let password = "bench-\(UUID().uuidString)"
                var environment = ProcessInfo.processInfo.environment
                environment["SWITCHBOARD_BENCH_DATABASE_URL"] = database.url
                environment["SWITCHBOARD_ADMIN_PASSWORD"] = password
                var baseURLs: [String] = []
                for index in 0..<settings.nodes {
                    let port = try LoopbackPort.free()
                    let nodeDirectory = directory + "/node-\(index)"
                    try FileManager.default.createDirectory(atPath: nodeDirectory, withIntermediateDirectories: true)
                    let config = nodeDirectory + "/switchboard.yaml"
                    try configuration(port: port, gatewayPort: gatewayPort, directory: nodeDirectory, settings: settings)
                        .write(toFile: config, atomically: true, encoding: .utf8)
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: settings.hubBinary)
                    process.arguments = ["serve", "--config", config]
                    process.environment = environment
                    FileManager.default.createFile(atPath: nodeDirectory + "/node.log", contents: nil)
                    let log = try FileHandle(forWritingTo: URL(fileURLWithPath: nodeDirectory + "/node.log"))
                    process.standardOutput = log
                    process.standardError = log
                    try process.run()
                    processes.append(process)
                    let baseURL = "http://127.0.0.1:\(port)"
                    // One at a time: the first node migrates the schema and makes the admin.
                    do { try await BenchHub.waitUntilHealthy(client: client, baseURL: baseURL) } catch {
                        let tail = (try? String(contentsOfFile: nodeDirectory + "/node.log", encoding: .utf8))?.suffix(2000) ?? ""
                        throw BenchFailure("node \(index) did not start:\n\(tail)")
                    }
                    baseURLs.append(baseURL)
                }
                let token = try await BenchHub.makeToken(client: client, baseURL: baseURLs[0], username: "admin", password: password)
                let nodes = HubNodes(
                    baseURLs: baseURLs,
                    bearerToken: token,
                    gateway: standIn,
                    nodePIDs: processes.map(\.processIdentifier),
                    database: database,
                    synchronousCommit: try await database.setting("synchronous_commit")
                )
                let result = try await body(nodes)
                await stop()
                return result
            } catch {
                await stop()
                throw error
            }
        }
    }

    /// A node's configuration: the API on its port, the shared database, one `http-gateway`
    /// connector to the stand-in routing `sms`, as `BenchHub` configures its in-process hub.
    static func configuration(port: Int, gatewayPort: Int, directory: String, settings: Settings) -> String {
        """
        server:
          host: 127.0.0.1
          port: \(port)
        storage:
          driver: postgres
          data_dir: \(directory)
          postgres:
            url_env: SWITCHBOARD_BENCH_DATABASE_URL
            pool_size: \(settings.poolSize)
            tls: disable
        logging:
          level: warning
        admin:
          username: admin
          password_env: SWITCHBOARD_ADMIN_PASSWORD
        connectors:
          gateway:
            engine: http-gateway
            channels: [sms]
            url: "http://127.0.0.1:\(gatewayPort)/send?to={to}&id={id}&text={text}"
            success_pattern: "^OK"
            receipt_pattern: "id=([0-9]+)"
        channels:
          sms:
            route: [gateway]
        \(settings.workers.map { "dispatcher:\n  workers: \($0)\n" } ?? "")
        """
    }

    /// Waits for a node to exit after SIGTERM (it drains first); kills it after 30 s.
    static func reap(_ process: Process) async {
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// The stand-in's request count at the last drain poll (`HubNodes.hasOutstanding`).
final class ArrivalsSeen: Sendable {
    let count = Mutex(-1)
}
