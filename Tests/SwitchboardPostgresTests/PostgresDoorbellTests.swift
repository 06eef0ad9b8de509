import Foundation
import PostgresNIO
import SwitchboardCore
import Testing

@testable import SwitchboardPostgres

/// A delivery queued through one node rings the doorbell of another; a doorbell whose
/// connection is killed says so, listens again and rings again.
@Suite("PostgreSQL: the doorbell between nodes", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresDoorbellTests {
    /// The next element of `stream`, or a failure after `seconds` (an expected event that
    /// never comes fails the test instead of hanging it).
    static func next<T: Sendable>(_ stream: AsyncStream<T>, within seconds: Double = 15, _ what: String) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                var iterator = stream.makeAsyncIterator()
                return await iterator.next()
            }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let first else { throw HarnessError(message: "no \(what) within \(seconds) s") }
            return first
        }
    }

    /// Events up to the doorbell's next `.listening`, returning the failed attempts before it: a
    /// connection attempt may fail (a loaded server, a slow connect), and trying again is the
    /// doorbell's job. More than 20 failures in a row fail the test.
    static func nextListening(_ events: AsyncStream<PostgresDoorbell.Event>, _ what: String) async throws -> [String] {
        var lost: [String] = []
        while true {
            switch try await next(events, what) {
            case .listening: return lost
            case .lost(let reason):
                lost.append(reason)
                if lost.count > 20 { throw HarnessError(message: "no \(what) after 20 failed attempts: \(lost)") }
            }
        }
    }

    static func queueOne(on store: PostgresStore) async throws {
        let message = Message(text: "ring", sender: "alice")
        _ = try await store.accept(
            Submission(message: message, deliveries: [Delivery(messageID: message.id, address: .sms("+4741000001"), channel: .sms)])
        )
    }

    @Test func aDeliveryQueuedOnOneNodeRingsAnothersDoorbellAndALostConnectionListensAgain() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let schema = try await harness.makeSchema()
            let nodeA = try harness.makeUnmigratedStore(schema: schema)
            let nodeB = try harness.makeUnmigratedStore(schema: schema)
            try await nodeA.migrate()
            let (rings, ringQueue) = AsyncStream.makeStream(of: Void.self)
            let (events, eventQueue) = AsyncStream.makeStream(of: PostgresDoorbell.Event.self)
            let doorbell = PostgresDoorbell(
                store: nodeB,
                retry: RetryPolicy(delay: 0.05, factor: 2, maxDelay: 0.2, limit: .max, jitter: 0),
                onEvent: { eventQueue.yield($0) },
                ring: { ringQueue.yield() }
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await doorbell.run() }
                let failedFirst = try await Self.nextListening(events, "listening")
                if !failedFirst.isEmpty { print("doorbell: \(failedFirst.count) attempt(s) failed before listening: \(failedFirst)") }
                _ = try await Self.next(rings, "the ring on starting to listen")

                try await Self.queueOne(on: nodeA)
                _ = try await Self.next(rings, "a ring for the delivery queued on node A")

                // Kill the listening connection as a failover or an idle-timeout would.
                let killed = try await harness.admin.rows(
                    "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = \(doorbell.applicationName)"
                )
                #expect(killed.count == 1, "one listening connection")
                guard case .lost = try await Self.next(events, "the lost connection") else {
                    Issue.record("expected the doorbell to report the lost connection")
                    return
                }
                let failedAgain = try await Self.nextListening(events, "listening again")
                if !failedAgain.isEmpty { print("doorbell: \(failedAgain.count) more attempt(s) failed before listening again: \(failedAgain)") }
                _ = try await Self.next(rings, "the ring on listening again (covers the gap)")

                try await Self.queueOne(on: nodeA)
                _ = try await Self.next(rings, "a ring after listening again")
                group.cancelAll()
            }
        }
    }
}
