import Foundation
import SwitchboardCore
import Testing

/// A send may outlast its claim's lease (a modem's send timeout is as long as the default
/// lease): while it is in flight the dispatcher extends the lease, so the claim loop (this
/// node's or another's) does not claim the delivery and send it a second time.
@Suite struct DispatcherLeaseExtension {
    @Test func aSendLongerThanTheLeaseIsSentOnceWhileTheClaimLoopRuns() async throws {
        let lease = 2.0
        let setup = try HeldHub(lease: lease, dispatcher: { $0.pollInterval = 0.05 })
        let (held, hub) = (setup.held, setup.hub)
        let messageID = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await hub.dispatcher.run() }
            let messageID = try await hub.send(SendRequest(to: ["sms:+4740000051"], text: "slow"), sender: "ops").record.message.id
            await held.waitForStarts(1)
            // The send is held for two and a half leases while the claim loop polls every 50 ms:
            // without extension it claims the delivery again once the lease runs out, and sends it.
            let heldUntil = Date().addingTimeInterval(lease * 2.5)
            while Date() < heldUntil { try await Task.sleep(for: .milliseconds(50)) }
            #expect(held.started.count == 1, "the claim loop never claimed the delivery again")
            let leaseEnd = try #require(try await hub.store.nextDue())
            #expect(leaseEnd > Date(), "the claim's lease was moved on while the send was in flight")

            held.open()
            try await setup.waitFor { try await setup.delivery(messageID).status == .sent }
            hub.dispatcher.stop()
            try await group.waitForAll()
            return messageID
        }
        let sent = try await setup.delivery(messageID)
        #expect(held.started == [sent.id], "the delivery reached the connector exactly once")
        #expect(sent.attempts == 1)
        #expect(try await hub.store.attempts(deliveryID: sent.id).count == 1)
        #expect(hub.dispatcher.heartbeat.sendingIDs.isEmpty, "nothing is extended once the outcome is recorded")
    }

    @Test func onlyClaimsWhoseSendStartedAreExtended() async throws {
        let lease = 60.0
        let setup = try HeldHub(lease: lease, dispatcher: { $0.workers = 1 })
        let (held, hub) = (setup.held, setup.hub)
        let first = try await hub.send(SendRequest(to: ["sms:+4740000052"], text: "first"), sender: "ops").record.message.id
        let second = try await hub.send(SendRequest(to: ["sms:+4740000053"], text: "second"), sender: "ops").record.message.id
        let claimedAt = Date()
        let round = Task { await hub.dispatcher.dispatchOnce(now: claimedAt) }
        await held.waitForStarts(1)
        let sending = try #require(held.started.first)
        let waiting = try #require(try await [setup.delivery(first).id, setup.delivery(second).id].first { $0 != sending })
        #expect(hub.dispatcher.heartbeat.sendingIDs == [sending], "the claim waiting for the worker is not extended")

        // A heartbeat late in the lease moves the sending claim on by a lease; a claim taken
        // after the first lease ran out finds only the one still waiting for the worker.
        await hub.dispatcher.heartbeat.extend(now: claimedAt.addingTimeInterval(lease * 0.9))
        let later = claimedAt.addingTimeInterval(lease * 1.5)
        let reclaimed = try await hub.store.claimDue(limit: 10, now: later, leaseUntil: later.addingTimeInterval(lease))
        #expect(reclaimed.map(\.delivery.id) == [waiting])

        held.open()
        #expect(await round.value == 2)
        #expect(held.started.first == sending)
        #expect(try await hub.store.attempts(deliveryID: sending).count == 1)
        #expect(hub.dispatcher.heartbeat.sendingIDs.isEmpty)
    }
}
