import Foundation
import SwitchboardCore

// Form submissions (FormStore) and delivery-report notes (DeliveryReportStore).
extension StoreConformance {
    /// A submission reads back as recorded, by id and by message, fields in order; one per
    /// message; never for a message the store does not have.
    public func formSubmissionRoundTrip() async throws {
        let store = try await makeStore()
        let message = StoreFixture.inbound("<data id=\"household\">…</data>")
        try await store.recordInbound(message)
        let fields = [
            FormField(path: "name", value: "Kåri \"K\" Ødegård"), FormField(path: "location/lat", value: "59.9"),
            FormField(path: "member[2]/name", value: ""), FormField(path: "a", value: "z"),
        ]
        let form = FormSubmission(messageID: message.id, formID: "household", version: "3", fields: fields, receivedAt: StoreFixture.at(1))
        try await store.recordSubmission(form)
        let byID = try await unwrap(store.formSubmission(id: form.id), "formSubmission(id:) finds it")
        try expectEqual(byID.ms, form.ms, "a submission round-trips with its fields in document order")
        try expectEqual(try await store.formSubmission(messageID: message.id)?.ms, form.ms, "formSubmission(messageID:) finds it")
        try expectTrue(try await store.formSubmission(id: "no-such-form") == nil, "an unknown id is nil")

        let other = StoreFixture.inbound("<data><x>")
        try await store.recordInbound(other)
        let broken = FormSubmission(messageID: other.id, formID: nil, fields: [], error: "not well-formed", receivedAt: StoreFixture.at(2))
        try await store.recordSubmission(broken)
        try expectEqual(try await store.formSubmission(messageID: other.id)?.ms, broken.ms, "a failed reading keeps its error")

        try await expectError(.conflict, "form_submission_exists", "a second submission for one message is refused") {
            try await store.recordSubmission(FormSubmission(messageID: message.id, formID: "x", fields: [], receivedAt: StoreFixture.t0))
        }
        try await expectError(.notFound, "unknown_message", "a submission needs its message") {
            try await store.recordSubmission(FormSubmission(messageID: "no-such-message", formID: "x", fields: [], receivedAt: StoreFixture.t0))
        }
    }

    /// Listing is newest first, per form when asked, in pages that neither skip nor repeat.
    public func formSubmissionsPageNewestFirst() async throws {
        let store = try await makeStore()
        var made: [FormSubmission] = []
        for k in 0..<5 {
            let message = StoreFixture.inbound("form \(k)", at: StoreFixture.at(Double(k)))
            try await store.recordInbound(message)
            let form = FormSubmission(
                messageID: message.id,
                formID: k.isMultiple(of: 2) ? "even" : "odd",
                fields: [FormField(path: "k", value: "\(k)")],
                receivedAt: StoreFixture.at(Double(k))
            )
            try await store.recordSubmission(form)
            made.append(form)
        }
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try await store.formSubmissions(FormQuery(limit: 2, cursor: cursor))
            try expectTrue(page.items.count <= 2, "a page holds at most `limit` items")
            seen += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil && seen.count < 10
        try expectEqual(seen, made.reversed().map(\.id), "pages list every submission once, newest first")

        let even = try await store.formSubmissions(FormQuery(formID: "even", limit: 10))
        try expectEqual(even.items.map(\.id), [made[4].id, made[2].id, made[0].id], "form_id filters")
        try expectEqual(even.nextCursor, nil, "one page holds them all")
        let none = try await store.formSubmissions(FormQuery(formID: "nope", limit: 10))
        try expectTrue(none.items.isEmpty && none.nextCursor == nil, "an unknown form has no submissions")
        try await expectError(.invalid, "invalid_cursor", "a cursor the store did not make is refused") {
            try await store.formSubmissions(FormQuery(cursor: "not-a-cursor"))
        }
    }

    /// A note goes into the status history from and to the current status, and moves nothing;
    /// a note meant for another status (a report that lost a race) records nothing.
    public func noteStatusKeepsTheStatus() async throws {
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

extension FormSubmission {
    var ms: FormSubmission {
        var f = self
        f.receivedAt = receivedAt.ms
        return f
    }
}
