import Foundation
import SwitchboardCore

// Extending the leases of claims whose sends are in flight (the dispatcher's heartbeat).
extension DispatchStoreConformance {
    /// An extension moves the lease of the named claims still `sending` on, so they are not
    /// claimed again when the first lease would have run out; it leaves finished and re-queued
    /// deliveries as they are, and claims it does not name run out as before.
    package func extendLeasesMovesOnlySendingClaims() async throws {
        let store = try await makeStore()
        let submission = StoreFixture.submission(dueAt: Array(repeating: StoreFixture.t0, count: 4))
        _ = try await store.accept(submission)
        let ids = submission.deliveries.map(\.id)
        let (inFlight, notNamed, finished, requeued) = (ids[0], ids[1], ids[2], ids[3])
        let claimed = try await store.claimDue(limit: 10, now: StoreFixture.t0, leaseUntil: StoreFixture.at(30))
        try expectEqual(Set(claimed.map(\.delivery.id)), Set(ids), "every due delivery is claimed")
        _ = try await store.finish(deliveryID: finished, outcome: .sent(connector: "kannel", receiptID: "r-1"), attempts: [])
        _ = try await store.finish(deliveryID: requeued, outcome: .retry(at: StoreFixture.at(5), connector: nil, error: "x"), attempts: [])

        try await store.extendLeases(ids: [inFlight, finished, requeued, "no-such-delivery"], until: StoreFixture.at(90))
        try await store.extendLeases(ids: [], until: StoreFixture.at(90))

        let afterFirstLease = try await store.claimDue(limit: 10, now: StoreFixture.at(31), leaseUntil: StoreFixture.at(200))
        try expectEqual(
            Set(afterFirstLease.map(\.delivery.id)),
            [notNamed, requeued],
            "the extended claim is not claimed again; one not named runs out, a re-queued one stays queued and due"
        )
        let record = try await unwrap(store.message(id: submission.message.id), "the message is still there")
        let statuses = Dictionary(uniqueKeysWithValues: record.deliveries.map { ($0.id, $0.status) })
        try expectEqual(statuses[finished], .sent, "a finished delivery stays finished")
        try expectEqual(statuses[inFlight], .sending, "the extended claim is still sending")

        let afterExtension = try await store.claimDue(limit: 10, now: StoreFixture.at(91), leaseUntil: StoreFixture.at(300))
        try expectEqual(afterExtension.map(\.delivery.id), [inFlight], "an extended lease runs out too, at its new end")
    }
}
