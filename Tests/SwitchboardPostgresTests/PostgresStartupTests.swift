import Foundation
import SwitchboardCore
import Synchronization
import Testing

@testable import SwitchboardPostgres

/// A node whose database is away says where and why, waits longer each time (with jitter),
/// and never shows the password; once the database answers it goes on.
@Suite("PostgreSQL: starting while the database is away")
struct PostgresStartupTests {
    static let password = "n0t-In-Any-Log"

    /// Nothing listens on port 1 of the loopback: every attempt is refused at once.
    static func unreachableStore() throws -> PostgresStore {
        let endpoint = PostgresEndpoint(host: "127.0.0.1", port: 1, username: "hub", password: password, database: "switchboard")
        return try PostgresStore(
            configuration: .init(endpoint: endpoint, tls: .disable, connectTimeout: 2),
            logger: PostgresTestDatabase.logger
        )
    }

    @Test func eachFailureNamesTheServerAndTheReasonAndWaitsLongerWithJitter() async throws {
        let store = try Self.unreachableStore()
        let waits = Mutex<[TimeInterval]>([])
        var failures: [PostgresStore.ConnectFailure] = []
        let policy = RetryPolicy(delay: 0.5, factor: 2, maxDelay: 3, limit: .max, jitter: 0.5)
        await #expect(throws: CancellationError.self) {
            try await store.waitUntilReachable(
                retry: policy,
                random: RandomSource { 0.5 },
                sleep: { wait in
                    // The fifth wait ends the test: a node would go on trying.
                    let count = waits.withLock {
                        $0.append(wait)
                        return $0.count
                    }
                    if count == 5 { throw CancellationError() }
                },
                onFailure: { failures.append($0) }
            )
        }
        #expect(waits.withLock { $0 } == [0.75, 1.25, 2.25, 3.25, 3.25], "0.5 s doubling, capped at 3 s, plus the jitter drawn")
        #expect(failures.map(\.attempt) == [1, 2, 3, 4, 5])
        for failure in failures {
            #expect(failure.database == "hub@127.0.0.1:1/switchboard")
            #expect(failure.reason.lowercased().contains("refused"), "\(failure.reason)")
            #expect(!failure.description.contains(Self.password))
        }
    }

    @Test func theDefaultBackOffGrowsToHalfAMinuteAndNeverGivesUp() {
        let policy = PostgresStore.reconnect
        let waits = (1...10).map { policy.backoff(afterAttempts: $0, random: RandomSource { 0 }) }
        #expect(waits == [0.5, 1, 2, 4, 8, 16, 30, 30, 30, 30])
        #expect(policy.backoff(afterAttempts: 10_000, random: RandomSource { 0.99 })! < 30.5)
    }

    @Test(.enabled(if: PostgresTestDatabase.enabled))
    func aWrongPasswordIsReportedAsTheServerSaysWithoutThePassword() async throws {
        var endpoint = try PostgresTestDatabase.endpoint()
        endpoint.password = Self.password
        let store = try PostgresStore(configuration: .init(endpoint: endpoint, tls: .disable), logger: PostgresTestDatabase.logger)
        var failures: [PostgresStore.ConnectFailure] = []
        await #expect(throws: CancellationError.self) {
            try await store.waitUntilReachable(sleep: { _ in throw CancellationError() }, onFailure: { failures.append($0) })
        }
        let reason = try #require(failures.first).reason
        #expect(reason.contains("password authentication failed"), "\(reason)")
        #expect(reason.contains("28P01"))
        #expect(!reason.contains(Self.password))
    }

    @Test(.enabled(if: PostgresTestDatabase.enabled))
    func aReachableDatabaseReturnsAtOnce() async throws {
        let store = try PostgresStore(
            configuration: .init(endpoint: try PostgresTestDatabase.endpoint(), tls: .disable),
            logger: PostgresTestDatabase.logger
        )
        var failures = 0
        try await store.waitUntilReachable(sleep: { _ in Issue.record("no wait expected") }, onFailure: { _ in failures += 1 })
        #expect(failures == 0)
    }
}
