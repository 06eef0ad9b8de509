import Foundation
import SwitchboardCore

// Form submissions (FormStore) and delivery-report notes (DeliveryReportStore).
extension InboundStoreConformance {
    /// A submission reads back as recorded, by id and by message, fields in order; one per
    /// message; never for a message the store does not have.
    package func formSubmissionRoundTrip() async throws {
        let store = try await makeStore()
        let message = StoreFixture.inbound("<data id=\"household\">…</data>")
        try await store.recordInbound(message)
        let fields = [
            FormField(path: "name", value: "Kåri \"K\" Ødegård"), FormField(path: "location/lat", value: "59.9"),
            FormField(path: "member[2]/name", value: ""), FormField(path: "a", value: "z"),
        ]
        let form = FormSubmission(messageID: message.id, formID: "household", version: "3", fields: fields, receivedAt: StoreFixture.at(1))
        try await store.recordSubmission(form)
        let byID = try await unwrap(store.formSubmission(id: form.id, viewer: .unrestricted), "formSubmission(id:) finds it")
        try expectEqual(byID.ms, form.ms, "a submission round-trips with its fields in document order")
        try expectEqual(
            try await store.formSubmission(messageID: message.id, viewer: .unrestricted)?.ms,
            form.ms,
            "formSubmission(messageID:) finds it"
        )
        try expectTrue(try await store.formSubmission(id: "no-such-form", viewer: .unrestricted) == nil, "an unknown id is nil")

        let other = StoreFixture.inbound("<data><x>")
        try await store.recordInbound(other)
        let broken = FormSubmission(messageID: other.id, formID: nil, fields: [], error: "not well-formed", receivedAt: StoreFixture.at(2))
        try await store.recordSubmission(broken)
        try expectEqual(try await store.formSubmission(messageID: other.id, viewer: .unrestricted)?.ms, broken.ms, "a failed reading keeps its error")

        try await expectError(.conflict, "form_submission_exists", "a second submission for one message is refused") {
            try await store.recordSubmission(FormSubmission(messageID: message.id, formID: "x", fields: [], receivedAt: StoreFixture.t0))
        }
        try await expectError(.notFound, "unknown_message", "a submission needs its message") {
            try await store.recordSubmission(FormSubmission(messageID: "no-such-message", formID: "x", fields: [], receivedAt: StoreFixture.t0))
        }
    }

    /// Listing is newest first, per form when asked, in pages that neither skip nor repeat.
    package func formSubmissionsPageNewestFirst() async throws {
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
            let page = try await store.formSubmissions(FormQuery(viewer: .unrestricted, limit: 2, cursor: cursor))
            try expectTrue(page.items.count <= 2, "a page holds at most `limit` items")
            seen += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil && seen.count < 10
        try expectEqual(seen, made.reversed().map(\.id), "pages list every submission once, newest first")

        let even = try await store.formSubmissions(FormQuery(viewer: .unrestricted, formID: "even", limit: 10))
        try expectEqual(even.items.map(\.id), [made[4].id, made[2].id, made[0].id], "form_id filters")
        try expectEqual(even.nextCursor, nil, "one page holds them all")
        let none = try await store.formSubmissions(FormQuery(viewer: .unrestricted, formID: "nope", limit: 10))
        try expectTrue(none.items.isEmpty && none.nextCursor == nil, "an unknown form has no submissions")
        try await expectError(.invalid, "invalid_cursor", "a cursor the store did not make is refused") {
            try await store.formSubmissions(FormQuery(viewer: .unrestricted, cursor: "not-a-cursor"))
        }
    }

    /// A submission is seen where its message is: a user sees those whose message is in the
    /// common inbox or theirs, never one in another user's inbox or in none; `.unrestricted`
    /// sees all. Listing, paging and both look-ups agree.
    package func formSubmissionsFollowTheirInboxItem() async throws {
        let store = try await makeStore()
        // Oldest first: common, alice's, bob's, in no inbox (a handler answered it), common again.
        let owners: [String??] = [.some(nil), "alice", "bob", nil, .some(nil)]
        var made: [FormSubmission] = []
        for (k, owner) in owners.enumerated() {
            let message = StoreFixture.inbound("<f><k>\(k)</k></f>", at: StoreFixture.at(Double(k)))
            try await store.recordInbound(message)
            let form = FormSubmission(
                messageID: message.id,
                formID: "f",
                fields: [FormField(path: "k", value: "\(k)")],
                receivedAt: StoreFixture.at(Double(k))
            )
            try await store.recordSubmission(form)
            if case .some(let owner) = owner { _ = try await store.addToInbox(messageID: message.id, owner: owner) }
            made.append(form)
        }
        let (common, alices, bobs, nowhere, common2) = (made[0], made[1], made[2], made[3], made[4])

        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try await store.formSubmissions(FormQuery(viewer: .user("alice"), limit: 1, cursor: cursor))
            seen += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil && seen.count < 10
        try expectEqual(seen, [common2.id, alices.id, common.id], "alice lists the common inbox's and her own, page by page")
        let bobsList = try await store.formSubmissions(FormQuery(viewer: .user("bob"), formID: "f"))
        try expectEqual(bobsList.items.map(\.id), [common2.id, bobs.id, common.id], "bob lists the common inbox's and his own")
        let all = try await store.formSubmissions(FormQuery(viewer: .unrestricted))
        try expectEqual(all.items.map(\.id), made.reversed().map(\.id), "unrestricted lists every submission")

        try expectTrue(try await store.formSubmission(id: bobs.id, viewer: .user("alice")) == nil, "alice cannot read bob's by id")
        try expectTrue(try await store.formSubmission(messageID: bobs.messageID, viewer: .user("alice")) == nil, "nor by message")
        try expectTrue(try await store.formSubmission(id: nowhere.id, viewer: .user("alice")) == nil, "nor one in no inbox")
        try expectEqual(try await store.formSubmission(id: alices.id, viewer: .user("alice"))?.id, alices.id, "alice reads her own")
        try expectEqual(try await store.formSubmission(messageID: common.messageID, viewer: .user("bob"))?.id, common.id, "bob reads a common one")
        try expectEqual(try await store.formSubmission(id: nowhere.id, viewer: .unrestricted)?.id, nowhere.id, "unrestricted reads any")
    }
}

extension FormSubmission {
    var ms: FormSubmission {
        var f = self
        f.receivedAt = receivedAt.ms
        return f
    }
}
