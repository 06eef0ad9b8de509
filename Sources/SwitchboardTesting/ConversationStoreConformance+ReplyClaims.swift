import Foundation
import SwitchboardCore

// A turn that commits its replies already claimed (`ReplyClaim`), so the dispatcher sends
// them without a claim of its own.
extension ConversationStoreConformance {
    /// The claimed reply is committed `sending` under the claim's lease, the other queued: no
    /// claim takes it while the lease holds, and an ordinary claim takes it once the lease has
    /// run out, with its message, as after a node died between the commit and the send.
    package func aTurnCommitsItsRepliesClaimed() async throws {
        let store = try await makeStore()
        let inbound = StoreFixture.inbound("report")
        try await store.recordInbound(inbound)
        let claimed = Fixture.reply("What happened?")
        let queued = Fixture.reply("Answer within 10 minutes")
        let at = StoreFixture.at(1)
        var turn = ConversationTurn(
            writes: [ConversationWrite(conversation: Fixture.conversation(), expectedRevision: nil)],
            replies: [claimed, queued],
            routedMessageID: inbound.id
        )
        turn.replyClaim = ReplyClaim(deliveryIDs: [claimed.deliveries[0].id], at: at, leaseUntil: at.addingTimeInterval(60))
        let acceptances = try await store.commitTurn(turn)
        try expectEqual(
            acceptances.map { $0.record.deliveries.map(\.status) },
            [[.sending], [.queued]],
            "the claimed reply is committed sending, the other queued"
        )
        let stored = try unwrap(try await store.message(id: claimed.message.id), "the claimed reply is in the outbox")
        try expectEqual(stored.deliveries.map(\.status), [.sending], "the claimed reply is stored sending")

        let during = try await store.claimDue(limit: 10, now: at.addingTimeInterval(30), leaseUntil: at.addingTimeInterval(90))
        try expectEqual(during.map(\.delivery.id), [queued.deliveries[0].id], "within its lease a claim leaves the claimed reply alone")
        let after = try await store.claimDue(limit: 10, now: at.addingTimeInterval(61), leaseUntil: at.addingTimeInterval(121))
        try expectEqual(after.map(\.delivery.id), [claimed.deliveries[0].id], "once its lease ran out an ordinary claim takes it")
        try expectEqual(after.first?.message.text, "What happened?", "with its message")
    }
}
