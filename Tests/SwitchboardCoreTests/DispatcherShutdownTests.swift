import Foundation
import SwitchboardCore
import Testing

/// Shutdown drains: sends under way finish and are recorded, claimed ones go back to the
/// queue untried, and past the grace period a cancelled send's outcome is still recorded.
@Suite struct DispatcherShutdown {
    func hub(_ connector: HeldConnector, grace: TimeInterval) throws -> Hub {
        try makeHub(
            connectors: [connector],
            channelSettings: [.sms: ChannelSettings(route: ["held"])],
            dispatcher: {
                $0.workers = 2
                $0.shutdownGrace = grace
                $0.pollInterval = 0.05
            }
        )
    }

    func statuses(_ hub: Hub, _ ids: [String]) async throws -> [DeliveryStatus] {
        var out: [DeliveryStatus] = []
        for id in ids { out.append(try #require(try await hub.store.message(id: id)?.deliveries.first?.status)) }
        return out
    }

    @Test func sendsUnderWayFinishAndAreRecordedAndClaimedOnesGoBackToTheQueue() async throws {
        let held = HeldConnector()
        let hub = try hub(held, grace: 3600)
        var ids: [String] = []
        for i in 0..<6 {
            ids.append(try await hub.send(SendRequest(to: ["sms:+47400000\(10 + i)"], text: "alert \(i)"), sender: "ops").record.message.id)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await hub.dispatcher.run() }
            await held.waitForStarts(2)  // both workers busy; the other four are claimed and waiting
            hub.dispatcher.stop()
            held.open()
            try await group.next()  // run() returns once the two sends are recorded
        }
        #expect(held.started.count == 2)
        let after = try await statuses(hub, ids)
        #expect(after.filter { $0 == .sent }.count == 2)
        #expect(after.filter { $0 == .queued }.count == 4)
        #expect(!after.contains(.sending))
        for id in ids {
            let d = try #require(try await hub.store.message(id: id)?.deliveries.first)
            #expect(d.status == .sent ? d.attempts == 1 : d.attempts == 0)  // the untried ones lost no attempt
        }
    }

    @Test func pastTheGraceSendsAreCancelledAndTheirOutcomesStillRecorded() async throws {
        let held = HeldConnector()
        let hub = try hub(held, grace: 0.05)
        var ids: [String] = []
        for i in 0..<3 {
            ids.append(try await hub.send(SendRequest(to: ["sms:+47400000\(20 + i)"], text: "alert \(i)"), sender: "ops").record.message.id)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await hub.dispatcher.run() }
            await held.waitForStarts(2)
            hub.dispatcher.stop()  // never opened: the grace period runs out
            try await group.next()
        }
        let after = try await statuses(hub, ids)
        // Cancelled mid-send: recorded as a transient failure (due again), never left sending.
        #expect(after == [.queued, .queued, .queued])
        let tried = try await hub.store.message(id: ids[0])?.deliveries.first
        #expect(tried?.lastError != nil)
    }

    @Test func aStoppedDispatcherClaimsNothing() async throws {
        let held = HeldConnector()
        held.open()
        let hub = try hub(held, grace: 3600)
        hub.dispatcher.stop()
        let id = try await hub.send(SendRequest(to: ["sms:+4740000030"], text: "late"), sender: "ops").record.message.id
        try await hub.dispatcher.run()  // returns at once
        #expect(held.started.isEmpty)
        #expect(try await statuses(hub, [id]) == [.queued])
    }
}
