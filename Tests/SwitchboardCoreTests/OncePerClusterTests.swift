import Foundation
import Logging
import SwitchboardTesting
import Synchronization
import Testing

@testable import SwitchboardCore

/// Two hubs (two nodes) on one store, their leases shared and on a clock the test moves: the
/// sweepers run only on the node holding the `sweeper` lease, and when that node stops
/// renewing, the other takes over once the lease has run out.
@Suite("Once per cluster")
struct OncePerClusterTests {
    final class TestClock: Sendable {
        private let date = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        var now: Date { date.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { date.withLock { $0 += seconds } }
    }

    static func node(_ id: String, store: MemoryStore, leases: SharedMemoryLeases, clock: TestClock) -> Hub {
        var configuration = HubConfiguration.embeddedDefault
        configuration.connectors = []
        configuration.channels = [.sms: ChannelSettings(route: ["modem"], autocancelAfter: 3600)]
        configuration.cluster = ClusterSettings(nodeID: id, leaseTTL: 15)
        return Hub(
            configuration: configuration,
            store: store,
            connectors: [BucketConnector(name: "modem", channels: [.sms])],
            leases: leases,
            clock: { clock.now }
        )
    }

    func status(_ hub: Hub, _ acceptance: Acceptance) async throws -> DeliveryStatus? {
        try await hub.store.message(id: acceptance.record.message.id)?.deliveries.first?.status
    }

    @Test func onlyTheHolderOfTheSweeperLeaseAutocancelsAndAnotherTakesOverWhenItStops() async throws {
        let clock = TestClock()
        let store = MemoryStore()
        let leases = SharedMemoryLeases { clock.now }
        let a = Self.node("node-a", store: store, leases: leases, clock: clock)
        let b = Self.node("node-b", store: store, leases: leases, clock: clock)
        #expect(a.nodeID == "node-a" && b.nodeID == "node-b")
        #expect(await a.sweeperLease.renew())
        #expect(await b.sweeperLease.renew() == false)

        let stale = try await a.send(SendRequest(to: ["sms:+4712345678"], text: "stale"), sender: "ops")
        let later = Date().addingTimeInterval(7200)
        await b.dispatcher.sweepIfHolder(now: later)
        #expect(try await status(a, stale) == .queued, "node b does not hold the lease: it runs no sweep")
        await a.dispatcher.sweepIfHolder(now: later)
        #expect(try await status(a, stale) == .ignored, "node a holds it: its sweep autocancels")

        // Node a stops renewing (it died); a lease-time later node b's next renewal takes over.
        clock.advance(10)
        #expect(await b.sweeperLease.renew() == false, "before the lease runs out, a still holds it")
        clock.advance(6)
        #expect(a.sweeperLease.isHolder == false, "a counts the lease as lost once its time is up")
        #expect(await b.sweeperLease.renew())
        let next = try await a.send(SendRequest(to: ["sms:+4712345678"], text: "also stale"), sender: "ops")
        await a.dispatcher.sweepIfHolder(now: later.addingTimeInterval(60))
        #expect(try await status(a, next) == .queued)
        await b.dispatcher.sweepIfHolder(now: later.addingTimeInterval(60))
        #expect(try await status(b, next) == .ignored)
        #expect(await a.sweeperLease.renew() == false, "the old holder cannot renew what it lost")
    }

    @Test func conversationDeadlinesAreSweptOnlyByTheHolder() async throws {
        let clock = TestClock()
        let store = MemoryStore()
        let leases = SharedMemoryLeases { clock.now }
        let a = Self.node("node-a", store: store, leases: leases, clock: clock)
        let b = Self.node("node-b", store: store, leases: leases, clock: clock)
        let engineA = try #require(a.conversations)
        let engineB = try #require(b.conversations)
        #expect(await a.sweeperLease.renew())
        #expect(await b.sweeperLease.renew() == false)
        let onB = ConversationSweeper(engine: engineB, lease: b.sweeperLease)
        let onA = ConversationSweeper(engine: engineA, lease: a.sweeperLease)
        #expect(try await onB.sweepIfHolder(now: clock.now) == nil)
        #expect(try await onA.sweepIfHolder(now: clock.now) != nil)
    }

    @Test func aSingleNodeStoreAlwaysHoldsTheLease() async throws {
        var configuration = HubConfiguration.embeddedDefault
        configuration.connectors = []
        let hub = Hub(configuration: configuration, store: MemoryStore(), connectors: [])
        #expect(hub.sweeperLease.isHolder, "one node by design: no renewal needed")
        #expect(!hub.nodeID.isEmpty)
    }
}
