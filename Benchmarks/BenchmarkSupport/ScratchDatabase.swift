import Foundation
import Logging
import PostgresNIO

/// A PostgreSQL database made for one benchmark run beside the one a URL names, and dropped
/// after it, so every run starts on empty tables and leaves nothing behind. The role in the
/// URL must be allowed to `CREATE DATABASE`.
public struct ScratchDatabase: Sendable {
    /// The run's database, `switchboard_bench_…`.
    public let name: String
    /// Its URL: the given one with the database replaced (password included: pass it on in
    /// the environment, never print it).
    public let url: String
    /// A small pool on it, running while `body` runs.
    public let client: PostgresClient
    /// The postmaster's pid when the server runs on this machine (its backends are its
    /// children), for CPU figures from `/proc`.
    public let postmasterPID: Int32?

    /// Makes the database, runs `body`, then drops it (unless `keep`).
    public static func with<T: Sendable>(
        beside url: String,
        keep: Bool = false,
        logger: Logger,
        _ body: @Sendable (ScratchDatabase) async throws -> T
    ) async throws -> T {
        guard var components = URLComponents(string: url), let host = components.host, let user = components.user else {
            throw BenchFailure("the database URL is not postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        // Their start-up race ("lease before run()") is not news: errors only.
        var quiet = logger
        quiet.logLevel = .error
        let name = "switchboard_bench_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        func configuration(_ database: String) -> PostgresClient.Configuration {
            var configuration = PostgresClient.Configuration(
                host: host,
                port: components.port ?? 5432,
                username: user.removingPercentEncoding ?? user,
                password: components.password?.removingPercentEncoding,
                database: database,
                tls: .disable
            )
            configuration.options.maximumConnections = 2
            return configuration
        }
        let given = String(components.path.dropFirst())
        let admin = PostgresClient(configuration: configuration(given.isEmpty ? "postgres" : given), backgroundLogger: quiet)
        let client = PostgresClient(configuration: configuration(String(name)), backgroundLogger: quiet)
        components.path = "/" + name
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await admin.run() }
            defer { group.cancelAll() }
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: quiet)
            let outcome: Result<T, any Error>
            do {
                // The run's own pool stops (its task group ends) before the database is dropped.
                outcome = .success(
                    try await withThrowingTaskGroup(of: Void.self) { runs in
                        runs.addTask { await client.run() }
                        defer { runs.cancelAll() }
                        var pid: Int32?
                        for try await backend in try await client.query("SELECT pg_backend_pid()", logger: quiet).decode(Int32.self) {
                            pid = ProcessFacts.parent(of: backend)
                        }
                        return try await body(ScratchDatabase(name: String(name), url: components.string ?? "", client: client, postmasterPID: pid))
                    }
                )
            } catch {
                outcome = .failure(error)
            }
            if keep {
                FileHandle.standardError.write(Data("database \(name) kept\n".utf8))
            } else {
                try? await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: quiet)
            }
            return try outcome.get()
        }
    }

    /// A server setting, e.g. `synchronous_commit`.
    public func setting(_ name: String) async throws -> String {
        for try await value in try await client.query("SELECT current_setting(\(name))").decode(String.self) { return value }
        return "?"
    }

    /// CPU seconds of the postmaster and its backends so far (0 when the server is elsewhere).
    public func cpuSeconds() -> Double? { postmasterPID.map { ProcessFacts.cpuSecondsWithChildren(pid: $0) } }
}
