import Foundation
import SwitchboardCore

// Delivery reports that move nothing (`DeliveryReportStore`).
extension DispatchStoreConformance {
    /// A note goes into the status history from and to the current status, and moves nothing;
    /// a note meant for another status (a report that lost a race) records nothing.
    package func noteStatusKeepsTheStatus() async throws {
        let store = try await makeStore()
        let submission = StoreFixture.submission(dueAt: [StoreFixture.t0])
        _ = try await store.accept(submission)
        let id = submission.deliveries[0].id
        _ = try await store.claimDue(limit: 1, now: StoreFixture.t0, leaseUntil: StoreFixture.at(60))
        let sent = try await store.finish(deliveryID: id, outcome: .sent(connector: "kannel", receiptID: nil), attempts: [])
        let noted = try await store.noteStatus(
            deliveryID: id,
            ifStatus: .sent,
            reason: "DLR 8, accepted by the SMSC",
            by: "connector:kannel",
            now: StoreFixture.at(1)
        )
        try expectEqual(noted.status, .sent, "noteStatus returns the delivery, still sent")
        try expectEqual(try await store.delivery(id: id)?.ms, sent.ms, "the delivery is unchanged")
        let history = try await store.statusChanges(deliveryID: id)
        try expectEqual(
            history.map { "\($0.from.rawValue)>\($0.to.rawValue) \($0.actor): \($0.reason)" },
            ["sent>sent connector:kannel: DLR 8, accepted by the SMSC"],
            "the note is in the history"
        )
        try expectEqual(history.first?.at.ms, StoreFixture.at(1).ms, "the note keeps its time")
        let stale = try await store.noteStatus(deliveryID: id, ifStatus: .queued, reason: "late", by: "connector:kannel", now: StoreFixture.at(2))
        try expectEqual(stale.status, .sent, "a note for another status returns the delivery as it is")
        try expectEqual(try await store.statusChanges(deliveryID: id).count, 1, "a note for another status records nothing")
        try await expectError(.notFound, "unknown_delivery", "a note needs its delivery") {
            try await store.noteStatus(deliveryID: "no-such-delivery", ifStatus: .sent, reason: "x", by: "connector:kannel", now: StoreFixture.t0)
        }
    }
}
