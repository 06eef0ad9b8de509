import Foundation
import SwitchboardCore
import Testing

/// A claim that waits behind other sends (for a worker or a connector slot) until its lease
/// runs out is claimed again by another round; the first round must not send it too.
@Suite struct DispatcherClaimLease {
    @Test func aClaimThatWentStaleWaitingForTheWorkerIsNotSentAfterAnotherRoundReclaimedIt() async throws {
        let lease = 2.0
        let setup = try HeldHub(lease: lease, dispatcher: { $0.workers = 1 })
        let (held, hub) = (setup.held, setup.hub)
        // The first delivery is claimed as if two hours from now, so its own lease outlasts the
        // test (and the re-claim below, an hour on); its send holds the one worker until the
        // test opens the connector.
        let first = try await hub.send(SendRequest(to: ["sms:+4740000041"], text: "first"), sender: "ops").record.message.id
        let firstRound = Task { await hub.dispatcher.dispatchOnce(now: Date().addingTimeInterval(7200)) }
        await held.waitForStarts(1)

        // The second is claimed now and waits for the worker (its early freshness check passes).
        let second = try await hub.send(SendRequest(to: ["sms:+4740000042"], text: "second"), sender: "ops").record.message.id
        let claimedAt = Date()
        let secondRound = Task { await hub.dispatcher.dispatchOnce(now: claimedAt) }
        try await setup.waitFor { try await setup.delivery(second).status == .sending }

        // Its lease runs out while it waits; another round claims it again (as the claim loop,
        // or another node, does) and waits for the worker too. That round claims as if an hour
        // from now, as the first did, so its own claim stays fresh however long a loaded machine
        // takes to get there (with a real 2 s lease it went stale too, once, and nothing sent).
        while Date() < claimedAt.addingTimeInterval(lease) { try await Task.sleep(for: .milliseconds(20)) }
        let reclaimedAt = Date().addingTimeInterval(3600)
        let thirdRound = Task { await hub.dispatcher.dispatchOnce(now: reclaimedAt) }
        try await setup.waitFor { try await setup.delivery(second).updatedAt == reclaimedAt }

        held.open()
        #expect(await firstRound.value == 1)
        #expect(await secondRound.value == 1)
        #expect(await thirdRound.value == 1)

        let firstID = try await setup.delivery(first).id
        let secondDelivery = try await setup.delivery(second)
        #expect(held.started == [firstID, secondDelivery.id], "each delivery reached the connector exactly once")
        #expect(secondDelivery.status == .sent && secondDelivery.attempts == 1)
        #expect(try await hub.store.attempts(deliveryID: secondDelivery.id).count == 1)
    }
}
