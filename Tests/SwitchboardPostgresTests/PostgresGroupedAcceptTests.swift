import Foundation
import Logging
import PostgresNIO
import SwitchboardCore
import Testing

@testable import SwitchboardPostgres

/// Concurrent single accepts share one transaction, as SQLite's group commit shares one flush,
/// and nothing about each caller's answer changes: committed first, its own acceptance, its own
/// error. The group forms deterministically: a first accept is held inside its INSERT by a
/// table lock another connection holds, and the others queue behind it until it is let go.
@Suite("PostgresStore grouped single accepts", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresGroupedAcceptTests {
    @Test func fiftyConcurrentSingleAcceptsCommitInTwoTransactionsEachAnsweredWithItsOwnMessage() async throws {
        try await Self.withCountingStore { store, counter, harness, schema in
            let submissions = (0..<50).map { Self.submission($0) }
            counter.reset()
            let results = try await Self.acceptHeld(submissions, store: store, harness: harness, schema: schema)

            #expect(counter.count == 2, "the first accept alone, then the 49 that waited behind it together")
            for (submission, result) in zip(submissions, results) {
                let acceptance = try result.get()
                #expect(acceptance.record.message.id == submission.message.id)
                #expect(acceptance.record.message.text == submission.message.text)
                #expect(acceptance.record.deliveries.map(\.id) == submission.deliveries.map(\.id))
                #expect(!acceptance.replayed)
            }
            let stored = try await store.rows("SELECT count(*) AS n FROM deliveries")
            #expect(try stored.first?["n"].decode(Int.self) == 100, "every delivery of every message is committed")
            for submission in [submissions[0], submissions[17], submissions[49]] {
                let record = try #require(try await store.message(id: submission.message.id))
                #expect(record.deliveries.map(\.address) == submission.deliveries.map(\.address))
            }
        }
    }

    /// A key reused for another request and a message id that exists refuse the group's
    /// transaction; each submission is then accepted alone, so only those two fail, each with
    /// the error it would have had alone, and a replay among them still replays.
    @Test func aBadSubmissionInAGroupFailsAloneAndTheOthersAreAccepted() async throws {
        try await Self.withCountingStore { store, _, harness, schema in
            var used = Self.submission(100)
            used.idempotency = IdempotencyKey(scope: "alice", key: "k-used", fingerprint: "first")
            let first = try await store.accept(used)
            let existing = Self.submission(101)
            _ = try await store.accept(existing)

            var submissions = (0..<12).map { Self.submission($0) }
            var reused = Self.submission(200)
            reused.idempotency = IdempotencyKey(scope: "alice", key: "k-used", fingerprint: "another request")
            let sameID = Message(id: existing.message.id, text: "the same id again", sender: "bench")
            let duplicate = Submission(
                message: sameID,
                deliveries: [Delivery(messageID: sameID.id, address: .sms("+4790000999"), channel: .sms, nextAttemptAt: Date())]
            )
            var replay = Self.submission(201)
            replay.idempotency = IdempotencyKey(scope: "alice", key: "k-used", fingerprint: "first")
            submissions.insert(reused, at: 4)
            submissions.insert(duplicate, at: 8)
            submissions.insert(replay, at: 10)

            let results = try await Self.acceptHeld(submissions, store: store, harness: harness, schema: schema)

            for (index, result) in results.enumerated() {
                switch index {
                case 4:
                    #expect(Self.code(result) == "idempotency_key_reused")
                case 8:
                    #expect(Self.code(result) == "message_exists")
                case 10:
                    let acceptance = try result.get()
                    #expect(acceptance.replayed && acceptance.record.message.id == first.record.message.id)
                default:
                    let acceptance = try result.get()
                    #expect(!acceptance.replayed && acceptance.record.message.id == submissions[index].message.id)
                }
            }
            let ids = try await store.rows("SELECT id FROM messages").map { try $0["id"].decode(String.self) }
            let expected = [used, existing] + submissions.enumerated().filter { ![4, 8, 10].contains($0.offset) }.map(\.element)
            #expect(Set(ids) == Set(expected.map(\.message.id)), "the good ones are committed, the bad ones wrote nothing")
            let text = try await store.rows("SELECT text FROM messages WHERE id = \(existing.message.id)")
            #expect(try text.first?["text"].decode(String.self) == existing.message.text, "the message that existed is unchanged")
        }
    }

    /// The callers of a group are cancelled while it waits (an HTTP client gone away, a task
    /// group stopping), its leader among them: the group still commits, and each is answered
    /// with its acceptance, so nothing a caller handed in is half done or lost for the others.
    @Test func cancelledCallersDoNotCancelTheirGroupsCommit() async throws {
        try await Self.withCountingStore { store, _, harness, schema in
            let submissions = (0..<6).map { Self.submission($0) }
            let results = try await Self.acceptHeld(submissions, store: store, harness: harness, schema: schema, cancelling: [0, 2, 3])
            for (submission, result) in zip(submissions, results) {
                #expect(try result.get().record.message.id == submission.message.id)
            }
            let stored = try await store.rows("SELECT count(*) AS n FROM messages")
            #expect(try stored.first?["n"].decode(Int.self) == 6)
        }
    }

    // MARK: - Helpers

    /// Accepts `submissions[0]` alone, holds it inside its INSERT (a lock on `messages` taken by
    /// another connection), hands in the rest while it is held, so they wait as one group,
    /// cancels the callers at `cancelling` meanwhile, then lets go; the results in order.
    static func acceptHeld(
        _ submissions: [Submission],
        store: PostgresStore,
        harness: PostgresHarness,
        schema: String,
        cancelling: Set<Int> = []
    ) async throws -> [Result<Acceptance, any Error>] {
        let locker = try harness.makeUnmigratedStore(schema: schema, poolSize: 1)
        let (locked, lockedQueue) = AsyncStream.makeStream(of: Int32.self)
        let (release, releaseQueue) = AsyncStream.makeStream(of: Void.self)
        let lock = Task {
            try await locker.transaction { connection in
                try await connection.execute("LOCK TABLE messages IN SHARE MODE", logger: PostgresTestDatabase.logger)
                let pid = try await connection.rows("SELECT pg_backend_pid() AS pid", logger: PostgresTestDatabase.logger)
                lockedQueue.yield(try pid[0]["pid"].decode(Int32.self))
                for await _ in release { break }
            }
        }
        defer { releaseQueue.finish() }
        var pids = locked.makeAsyncIterator()
        guard let lockerPID = await pids.next() else { throw HarnessError(message: "the lock was not taken") }

        var callers: [Task<Result<Acceptance, any Error>, Never>] = []
        func start(_ submission: Submission) {
            callers.append(
                Task {
                    do { return .success(try await store.accept(submission)) } catch { return .failure(error) }
                }
            )
        }
        start(submissions[0])
        try await until("the first accept waits for the lock") {
            let rows = try await harness.admin.rows("SELECT count(*) AS n FROM pg_stat_activity WHERE \(lockerPID) = ANY(pg_blocking_pids(pid))")
            return try rows.first?["n"].decode(Int.self) == 1
        }
        for submission in submissions.dropFirst() { start(submission) }
        try await until("the others wait behind it") { store.acceptGroups.waiting == submissions.count - 1 }
        for index in cancelling { callers[index].cancel() }
        releaseQueue.yield()
        try await lock.value
        var results: [Result<Acceptance, any Error>] = []
        for caller in callers { results.append(await caller.value) }
        return results
    }

    /// Polls `condition` every 10 ms for up to 30 s.
    static func until(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw HarnessError(message: "timed out: \(what)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// A migrated store whose transactions (its `BEGIN`s) are counted, on a fresh schema.
    static func withCountingStore(_ body: (PostgresStore, StatementCounter, PostgresHarness, String) async throws -> Void) async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let counter = StatementCounter(counting: .command("BEGIN"))
            var logger = Logger(label: "switchboard.postgres.tests.statements") { _ in counter }
            logger.logLevel = .trace
            let schema = try await harness.makeSchema()
            let configuration = PostgresStore.Configuration(endpoint: harness.endpoint, poolSize: 2, tls: .disable, schema: schema)
            let store = try PostgresStore(configuration: configuration, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.run() }
                try await store.migrate()
                do {
                    try await body(store, counter, harness, schema)
                } catch {
                    group.cancelAll()
                    throw error
                }
                group.cancelAll()
            }
        }
    }

    static func submission(_ index: Int) -> Submission {
        let message = Message(text: "single \(index)", sender: "bench")
        let deliveries = (0..<2).map { n in
            Delivery(messageID: message.id, address: .sms("+479\(String(format: "%05d", index))\(n)"), channel: .sms, nextAttemptAt: Date())
        }
        return Submission(message: message, deliveries: deliveries)
    }

    static func code(_ result: Result<Acceptance, any Error>) -> String? {
        guard case .failure(let error) = result else { return nil }
        return (error as? SwitchboardError)?.code
    }
}
