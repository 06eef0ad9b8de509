import Foundation
import SwitchboardCore
import Synchronization
import Testing

@testable import SwitchboardPostgres

/// A connector's `throughput` on two nodes sharing one PostgreSQL schema holds for both
/// together: their sends, merged, are never more than the limit in any one-second window.
@Suite("PostgreSQL: throughput for the cluster", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresClusterThroughputTests {
    /// When each send started, from any task.
    final class Times: Sendable {
        private let times = Mutex<[ContinuousClock.Instant]>([])
        func add(_ time: ContinuousClock.Instant) { times.withLock { $0.append(time) } }
        var all: [ContinuousClock.Instant] { times.withLock { $0 } }
    }

    /// The largest number of `times` (sorted) within any window `seconds` long.
    static func busiestWindow(_ times: [ContinuousClock.Instant], seconds: Double) -> Int {
        var best = 0
        var start = 0
        for end in times.indices {
            while times[end] - times[start] >= .seconds(seconds) { start += 1 }
            best = max(best, end - start + 1)
        }
        return best
    }

    @Test func twoNodesSendingAtOnceStayWithinOneLimit() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let (storeA, storeB) = try await PostgresConnectorOwnerTests.nodes(harness)
            let rate = 10.0
            let configuration = ConnectorGate.Configuration(maxInFlight: 40, throughput: rate)
            let gates = [storeA, storeB].map { store in
                ConnectorGate(
                    configuration: configuration,
                    pace: ClusterSendPace(connector: "gw", throughput: rate, slots: store, logger: PostgresTestDatabase.logger)
                )
            }
            // Both pools connected before the clock starts.
            _ = try await storeA.reserveSendSlots(connector: "warm-up", count: 1, interval: 0.01)
            _ = try await storeB.reserveSendSlots(connector: "warm-up", count: 1, interval: 0.01)
            let sends = Times()
            let perNode = 15
            // Before any slot is reserved: the first slot's `now()` in the database is later.
            let start = ContinuousClock.now
            await withTaskGroup(of: Void.self) { group in
                for gate in gates {
                    for _ in 0..<perNode {
                        group.addTask { await gate.withPermit { sends.add(.now) } }
                    }
                }
            }
            let times = sends.all.sorted()
            #expect(times.count == 2 * perNode)
            let busiest = Self.busiestWindow(times, seconds: 1)
            // Evenly spaced slots put at most `rate` sends in a one-second window, plus one at a
            // window's edge. A slot is placed on each node's clock when the database's answer
            // arrives and a task wakes for it late on a loaded machine, so a few sends can
            // bunch (13 was seen at load 20). The two nodes pacing themselves alone would send
            // 2 × rate in a second; the bound sits between the two.
            #expect(busiest <= Int(rate * 1.5), "\(busiest) sends within one second")
            // Slot k of the shared sequence is k / rate after the first, and the first is no
            // earlier than `start`; a slot is placed on this node's clock from when the answer
            // arrived, so no send runs before its slot. The last send is therefore at least
            // (2·perNode − 1) / rate after `start`, however late a loaded machine wakes it. (The
            // span from the first send is no bound: the first send itself can wake late.)
            let last = times.last! - start
            let floor = Duration.seconds(Double(2 * perNode - 1) / rate)
            #expect(last >= floor, "spread over the cluster's pace: last send \(last) after the start, expected ≥ \(floor)")
        }
    }

    @Test func reservationsFollowEachOtherAcrossNodes() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let (storeA, storeB) = try await PostgresConnectorOwnerTests.nodes(harness)
            // Minutes apart, so that however slowly a loaded machine runs the three statements,
            // the answers cannot be mistaken for one another.
            let first = try await storeA.reserveSendSlots(connector: "gw", count: 10, interval: 60)
            let second = try await storeB.reserveSendSlots(connector: "gw", count: 1, interval: 60)
            let other = try await storeB.reserveSendSlots(connector: "other", count: 1, interval: 60)
            #expect(first < 30, "a free connector's first slot is now")
            #expect(second > 570 && second <= 600, "b's slot comes after a's ten: \(second)")
            #expect(other < 30, "each connector has its own slots")
        }
    }
}
