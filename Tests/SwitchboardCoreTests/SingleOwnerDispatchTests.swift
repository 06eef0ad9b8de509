import Foundation
import SwitchboardCore
import SwitchboardTesting
import Synchronization
import Testing

@testable import SwitchboardCore

/// The dispatcher and single-owner connectors when nodes share leases: a connector this node
/// does not run is never sent through here; a delivery that could only leave through it goes
/// back to the queue untried (no attempt counted), and a route fails over past it.
@Suite("Single-owner connectors in the dispatcher")
struct SingleOwnerDispatchTests {
    /// A single-owner connector that counts the sends it got.
    final class OwnedModem: Connector {
        let name: String
        let engine = "owned-modem"
        let channels: [ChannelName] = [.sms]
        var singleOwner: Bool { true }
        private let sends = Mutex(0)
        init(_ name: String) { self.name = name }
        var sent: Int { sends.withLock { $0 } }
        func send(_ outbound: Outbound) async throws -> Receipt {
            sends.withLock { $0 += 1 }
            return Receipt(id: "m-\(outbound.delivery.id)")
        }
    }

    static func hub(route: [String], connectors: [any Connector], store: MemoryStore, leases: SharedMemoryLeases) -> Hub {
        var configuration = HubConfiguration.embeddedDefault
        configuration.connectors = []
        configuration.channels = [.sms: ChannelSettings(route: route)]
        configuration.cluster = ClusterSettings(nodeID: "node-b", leaseTTL: 15)
        return Hub(configuration: configuration, store: store, connectors: connectors, leases: leases)
    }

    @Test func aDeliveryOnlyAnotherNodesConnectorCanSendGoesBackUntried() async throws {
        let store = MemoryStore()
        let leases = SharedMemoryLeases()
        _ = try await leases.acquireLease(ClusterLeaseName.connector("modem1"), node: "node-a", ttl: 60)
        let modem = OwnedModem("modem1")
        let hub = Self.hub(route: ["modem1"], connectors: [modem], store: store, leases: leases)
        let owner = try #require(hub.owners["modem1"])
        #expect(owner.runsHere == false)

        let acceptance = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "only by modem"), sender: "ops")
        #expect(await hub.dispatcher.dispatchOnce() == 1, "a store without scoped claims hands it out")
        let delivery = try #require(try await store.delivery(id: acceptance.record.deliveries[0].id))
        #expect(modem.sent == 0, "never sent through a connector another node runs")
        #expect(delivery.status == .queued)
        #expect(delivery.attempts == 0, "no round counted: nothing was tried")
        #expect(delivery.lastError?.contains("modem1: runs on another node") == true)
        #expect(try await store.attempts(deliveryID: delivery.id).isEmpty)
    }

    @Test func aRouteFailsOverPastASingleOwnerConnectorThatDoesNotRunHere() async throws {
        let store = MemoryStore()
        let leases = SharedMemoryLeases()
        let modem = OwnedModem("modem1")
        let backup = BucketConnector(name: "http1", channels: [.sms])
        let hub = Self.hub(route: ["modem1", "http1"], connectors: [modem, backup], store: store, leases: leases)
        let acceptance = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "either way"), sender: "ops")
        #expect(await hub.dispatcher.dispatchOnce() == 1)
        let delivery = try #require(try await store.delivery(id: acceptance.record.deliveries[0].id))
        #expect(modem.sent == 0)
        #expect(delivery.status == .sent)
        #expect(delivery.connector == "http1")
    }

    @Test func onAStoreThatIsOneNodeEveryConnectorRunsHere() async throws {
        var configuration = HubConfiguration.embeddedDefault
        configuration.connectors = []
        configuration.channels = [.sms: ChannelSettings(route: ["modem1"])]
        let modem = OwnedModem("modem1")
        let hub = Hub(configuration: configuration, store: MemoryStore(), connectors: [modem])
        #expect(hub.owners["modem1"] == nil)
        _ = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "single node"), sender: "ops")
        #expect(await hub.dispatcher.dispatchOnce() == 1)
        #expect(modem.sent == 1)
    }
}
