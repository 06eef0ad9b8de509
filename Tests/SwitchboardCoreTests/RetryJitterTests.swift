import Foundation
import Logging
import SwitchboardCore
import Synchronization
import Testing

/// Deliveries that fail together come back spread over the jitter range, drawn from the
/// dispatcher's random source.
@Suite struct RetryJitter {
    @Test func deliveriesThatFailedTogetherAreDueAtTheirOwnJitteredTimes() async throws {
        let modem = BucketConnector(name: "modem", channels: [.sms])
        modem.setFaults(transient: 1)
        let hub = try makeHub(connectors: [modem], channelSettings: [.sms: ChannelSettings(route: ["modem"])])
        // A dispatcher on the hub's store whose random source the test controls.
        let draws = [0.0, 0.5, 0.9]
        let next = DrawCounter()
        let dispatcher = OutboxDispatcher(
            configuration: .init(
                retry: RetryPolicy(delay: 30, factor: 1, maxDelay: 30, limit: 5, jitter: 10),
                random: RandomSource { draws[next.increment() % draws.count] }
            ),
            store: hub.store,
            connectors: ConnectorRegistry([modem]),
            channels: [.sms: ChannelSettings(route: ["modem"])],
            logger: Logger(label: "test")
        )
        var ids: [String] = []
        for i in 0..<3 {
            ids.append(try await hub.send(SendRequest(to: ["sms:+47400000\(50 + i)"], text: "alert \(i)"), sender: "ops").record.message.id)
        }
        let before = Date()
        await dispatcher.dispatchOnce()
        let after = Date()
        var offsets: [TimeInterval] = []
        for id in ids {
            let d = try #require(try await hub.store.message(id: id)?.deliveries.first)
            #expect(d.status == .queued && d.attempts == 1)
            let due = try #require(d.nextAttemptAt)
            #expect(due >= before.addingTimeInterval(30) && due <= after.addingTimeInterval(40))
            offsets.append(due.timeIntervalSince(before) - 30)
        }
        // Each got its own draw (in whatever order the sends ended): 0, 5 and 9 seconds of jitter.
        let spread = after.timeIntervalSince(before)
        for (got, want) in zip(offsets.sorted(), [0.0, 5, 9]) { #expect(got >= want - 0.01 && got <= want + spread + 0.01) }
        #expect(next.value == 3)
    }
}

/// A thread-safe counter for the random source above.
final class DrawCounter: Sendable {
    private let count = Mutex(0)
    /// Returns the value before adding one.
    func increment() -> Int {
        count.withLock { n in
            let before = n
            n += 1
            return before
        }
    }
    var value: Int { count.withLock { $0 } }
}
