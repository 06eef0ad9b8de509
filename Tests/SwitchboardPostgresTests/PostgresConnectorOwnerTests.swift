import Foundation
import Logging
import SwitchboardCore
import Synchronization
import Testing

@testable import SwitchboardPostgres

/// Single-owner connectors (a modem, an XMPP account) on two nodes sharing one PostgreSQL
/// schema: only the node holding `connector:NAME` runs the connector and claims what must leave
/// through it; when that node stops renewing, the other takes over after the time-to-live and
/// sends what waited; the two never run it at once.
@Suite("PostgreSQL: one owner per connector", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresConnectorOwnerTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// A connector that records on which node it ran and sent, and when it ran.
    final class FakeModem: Connector, Sendable {
        let name: String
        let engine = "fake-modem"
        let channels: [ChannelName] = [.sms]
        let node: String
        let log: RunLog
        var singleOwner: Bool { true }

        init(name: String, node: String, log: RunLog) {
            self.name = name
            self.node = node
            self.log = log
        }

        func send(_ outbound: Outbound) async throws -> Receipt {
            log.sent(outbound.delivery.id, by: node, via: name)
            return Receipt(id: "\(node)-\(outbound.delivery.id)")
        }

        func run(sink: any InboundSink) async throws {
            log.event("\(node) open")
            defer { log.event("\(node) close") }
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        }
    }

    /// What the fake connectors of both nodes did, in order.
    final class RunLog: Sendable {
        private let state = Mutex<(events: [String], sends: [(delivery: String, node: String, connector: String)])>(([], []))
        func event(_ text: String) { state.withLock { $0.events.append(text) } }
        func sent(_ delivery: String, by node: String, via connector: String) {
            state.withLock { $0.sends.append((delivery, node, connector)) }
        }
        var events: [String] { state.withLock { $0.events } }
        var sends: [(delivery: String, node: String, connector: String)] { state.withLock { $0.sends } }
    }

    /// Leases that stop answering when the node "dies": renewals fail, so the node's own count
    /// runs out and it stops the connector, while the database lets the lease run out.
    final class Cuttable: ClusterLeases {
        let store: PostgresStore
        let cut = Mutex(false)
        init(_ store: PostgresStore) { self.store = store }
        var isSharedBetweenNodes: Bool { true }
        func check() throws { if cut.withLock({ $0 }) { throw PostgresStoreError.unreadable(table: "cluster_leases", column: "", value: "cut") } }
        func acquireLease(_ name: String, node: String, ttl: TimeInterval) async throws -> ClusterLease {
            try check()
            return try await store.acquireLease(name, node: node, ttl: ttl)
        }
        func releaseLease(_ name: String, node: String) async throws {
            try check()
            try await store.releaseLease(name, node: node)
        }
        func leaseHolder(_ name: String) async throws -> ClusterLease? {
            try check()
            return try await store.leaseHolder(name)
        }
    }

    static func hub(
        _ node: String,
        store: PostgresStore,
        leases: any ClusterLeases,
        connectors: [any Connector],
        route: [String],
        ttl: TimeInterval = 3
    )
        -> Hub
    {
        var configuration = HubConfiguration.embeddedDefault
        configuration.connectors = []
        configuration.channels = [.sms: ChannelSettings(route: route)]
        configuration.cluster = ClusterSettings(nodeID: node, leaseTTL: ttl)
        return Hub(configuration: configuration, store: store, connectors: connectors, leases: leases, logger: PostgresTestDatabase.logger)
    }

    static func nodes(_ harness: PostgresHarness) async throws -> (PostgresStore, PostgresStore) {
        let schema = try await harness.makeSchema()
        // Small pools: the suites run at once against one server's connection limit.
        let a = try harness.makeUnmigratedStore(schema: schema, poolSize: 2)
        let b = try harness.makeUnmigratedStore(schema: schema, poolSize: 2)
        try await a.migrate()
        return (a, b)
    }

    /// Queues one delivery on `channel`, optionally pinned, due at `t0`.
    static func queue(on store: PostgresStore, channel: ChannelName = .sms, pinned: String? = nil, at t0: Date = t0) async throws -> String {
        let message = Message(text: "owner test", sender: "ops", createdAt: t0)
        let address: Address = channel == .sms ? .sms("+4790000000") : .email("ops@example.org")
        let delivery = Delivery(messageID: message.id, address: address, channel: channel, pinnedConnector: pinned, createdAt: t0)
        _ = try await store.accept(Submission(message: message, deliveries: [delivery]))
        return delivery.id
    }

    static func claim(_ store: PostgresStore, _ scope: ClaimScope) async throws -> Set<String> {
        Set(try await store.claimDue(limit: 100, now: t0, leaseUntil: t0.addingTimeInterval(1), scope: scope).map(\.delivery.id))
    }

    /// Waits (bounded) until `condition` holds.
    static func eventually(within seconds: TimeInterval, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    @Test func theClaimLeavesToTheHolderWhatOnlyItsConnectorMaySend() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let (a, b) = try await Self.nodes(harness)
            let routes: [ChannelName: [String]] = [.sms: ["modem1", "http1"], .im: ["modem2"], .email: ["smtp1"]]
            let scopeA = ClaimScope(node: "node-a", singleOwner: ["modem1", "modem2"], routes: routes)
            let scopeB = ClaimScope(node: "node-b", singleOwner: ["modem1", "modem2"], routes: routes)
            _ = try await a.acquireLease(ClusterLeaseName.connector("modem1"), node: "node-a", ttl: 60)

            let pinned = try await Self.queue(on: a, pinned: "modem1")
            let routed = try await Self.queue(on: a)
            let email = try await Self.queue(on: a, channel: .email)
            let onlyModem2 = try await Self.queue(on: a, channel: .im)
            #expect(try await Self.claim(b, scopeB) == [email], "b leaves what a's modem1 sends, and what needs modem2, which nobody runs")
            #expect(try await Self.claim(a, scopeA) == [pinned, routed], "a takes its own; modem2 still has no owner")

            // Nobody holds modem1: its route fails over, so anyone claims it; pinned waits for an owner.
            try await a.releaseLease(ClusterLeaseName.connector("modem1"), node: "node-a")
            let pinned2 = try await Self.queue(on: a, pinned: "modem1")
            let routed2 = try await Self.queue(on: a)
            #expect(try await Self.claim(b, scopeB) == [routed2])
            _ = try await b.acquireLease(ClusterLeaseName.connector("modem2"), node: "node-b", ttl: 60)
            _ = try await b.acquireLease(ClusterLeaseName.connector("modem1"), node: "node-b", ttl: 60)
            #expect(try await Self.claim(a, scopeA).isEmpty, "b runs both modems now")
            #expect(try await Self.claim(b, scopeB) == [pinned2, onlyModem2])
        }
    }

    @Test func onlyTheOwnerRunsAndSendsAndTheOtherTakesOverWhenItStopsRenewing() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let (storeA, storeB) = try await Self.nodes(harness)
            let log = RunLog()
            let leasesA = Cuttable(storeA)
            let a = Self.hub(
                "node-a",
                store: storeA,
                leases: leasesA,
                connectors: [FakeModem(name: "modem1", node: "node-a", log: log)],
                route: ["modem1"]
            )
            let b = Self.hub(
                "node-b",
                store: storeB,
                leases: storeB,
                connectors: [FakeModem(name: "modem1", node: "node-b", log: log)],
                route: ["modem1"]
            )
            let ownerA = try #require(a.owners["modem1"])
            let ownerB = try #require(b.owners["modem1"])
            let serviceA = OwnedConnectorService(owner: ownerA, connector: a.connectors["modem1"]!, sink: a, logger: PostgresTestDatabase.logger)
            let serviceB = OwnedConnectorService(owner: ownerB, connector: b.connectors["modem1"]!, sink: b, logger: PostgresTestDatabase.logger)

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await serviceA.run() }
                #expect(try await Self.eventually(within: 10) { ownerA.runsHere }, "a takes the free lease and runs modem1")
                group.addTask { try await serviceB.run() }
                #expect(try await Self.eventually(within: 10) { ownerB.holder == "node-a" }, "b sees a holding it")
                #expect(ownerB.runsHere == false)

                var first: Set<String> = []
                for _ in 0..<10 { first.insert(try await Self.queue(on: storeB, at: Date())) }
                first.insert(try await Self.queue(on: storeB, pinned: "modem1", at: Date()))
                #expect(await b.dispatcher.dispatchOnce() == 0, "b claims nothing that must leave through a's modem")
                #expect(await a.dispatcher.dispatchOnce() == first.count)
                #expect(Set(log.sends.map(\.delivery)) == first)
                #expect(log.sends.allSatisfy { $0.node == "node-a" })

                // Node a "dies": its renewals fail from now on. It stops modem1 before its count of
                // the lease runs out; b takes the lease once the database lets it go.
                leasesA.cut.withLock { $0 = true }
                var second: Set<String> = []
                for _ in 0..<5 { second.insert(try await Self.queue(on: storeB, at: Date())) }
                let cutAt = Date()
                #expect(try await Self.eventually(within: 15) { ownerB.runsHere }, "b takes over modem1")
                let tookOver = Date().timeIntervalSince(cutAt)
                #expect(tookOver < 3 + 1 + 1, "within the time-to-live and one renewal (took \(tookOver) s)")
                #expect(ownerA.runsHere == false)
                #expect(await a.dispatcher.dispatchOnce() == 0, "a no longer claims modem1's deliveries")
                await b.dispatcher.drain(maxRounds: 5)
                #expect(Set(log.sends.filter { $0.node == "node-b" }.map(\.delivery)) == second, "b sends what waited")
                #expect(log.events == ["node-a open", "node-a close", "node-b open"], "never open on both nodes at once")
                group.cancelAll()
            }
            for id in log.sends.map(\.delivery) {
                #expect(try await storeA.attempts(deliveryID: id).count == 1, "each delivery sent once")
            }
        }
    }

    @Test func aRouteFailsOverWhenNobodyRunsItsSingleOwnerConnector() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let (storeA, _) = try await Self.nodes(harness)
            let log = RunLog()
            let backup = BucketConnector(name: "http1", channels: [.sms])
            let a = Self.hub(
                "node-a",
                store: storeA,
                leases: storeA,
                connectors: [FakeModem(name: "modem1", node: "node-a", log: log), backup],
                route: ["modem1", "http1"]
            )
            // Another node held modem1 and is gone (its lease released); nobody runs it yet.
            let id = try await Self.queue(on: storeA, at: Date())
            #expect(await a.dispatcher.dispatchOnce() == 1)
            #expect(log.sends.isEmpty, "modem1 does not run here")
            let messageID = try #require(try await storeA.deliveryMessageID(id))
            let record = try #require(try await storeA.message(id: messageID))
            let delivery = try #require(record.deliveries.first)
            #expect(delivery.status == .sent)
            #expect(delivery.connector == "http1")
        }
    }
}

extension PostgresStore {
    /// The message a delivery belongs to.
    fileprivate func deliveryMessageID(_ id: String) async throws -> String? {
        try await rows("SELECT message_id FROM deliveries WHERE id = \(id)").first?["message_id"].decode(String.self)
    }
}
