import Foundation
import SwitchboardCore

// The operator's long lists page by keyset cursors: the dead letters (newest change first) and
// the waiting recipients (most urgent first). A walk page by page lists every row that was
// there at the start exactly once, in order, while rows are added between pages: those that
// sort before the cursor wait for the next walk, those that sort after it appear in their place.
extension DispatchStoreConformance {
    /// Failed deliveries paged two at a time: ties in the change time are broken by the later
    /// row first; deliveries failing between pages (newest, so before the cursor) are not
    /// listed again, one failing with an older time (after the cursor) is listed once.
    package func deadLetterPagesCoverEveryRowOnce() async throws {
        let store = try await makeStore()
        let held = try await QueueFixture.accept(store, .info, to: (1...7).map { .sms("+474200000\($0)") }, at: -1000, status: .held)
        let ids = held.deliveries.map(\.id)
        // Failed at 10, 30, 20, 20, 20, 40, 5 seconds: three tie at 20.
        let times: [TimeInterval] = [10, 30, 20, 20, 20, 40, 5]
        for (id, at) in zip(ids, times) {
            _ = try await store.setStatus(deliveryID: id, to: .failed, reason: "no route", by: "alice", now: StoreFixture.at(at))
        }
        let expected = [ids[5], ids[1], ids[4], ids[3], ids[2], ids[0], ids[6]]
        let late = try await QueueFixture.accept(store, .info, to: (1...3).map { .sms("+474300000\($0)") }, at: -900, status: .held)

        var walked: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try await store.deliveries(status: .failed, limit: 2, after: cursor)
            try expectTrue(page.deliveries.count <= 2, "a page holds at most the limit")
            walked += page.deliveries.map(\.id)
            cursor = page.nextCursor
            pages += 1
            if pages == 1 {
                // Newer than everything listed: before the cursor, not in this walk.
                _ = try await store.setStatus(deliveryID: late.deliveries[0].id, to: .failed, reason: "x", by: "alice", now: StoreFixture.at(50))
                // Older than everything: after the cursor, listed once at the end.
                _ = try await store.setStatus(deliveryID: late.deliveries[1].id, to: .failed, reason: "x", by: "alice", now: StoreFixture.at(1))
            }
            if pages == 2 {
                // Ties the cursor's time with a later row: before the cursor, not in this walk.
                _ = try await store.setStatus(deliveryID: late.deliveries[2].id, to: .failed, reason: "x", by: "alice", now: StoreFixture.at(20))
            }
        } while cursor != nil && pages < 20
        try expectEqual(walked, expected + [late.deliveries[1].id], "every dead letter once, newest change first, across failures between pages")
        try expectEqual(pages, 4, "four pages of two")

        let all = try await store.deliveries(status: .failed, limit: 100, after: nil)
        try expectEqual(all.nextCursor, nil, "no cursor when everything fits")
        try expectEqual(all.deliveries.count, 10, "one page holds all when the limit allows")
        try await expectError(.invalid, "invalid_cursor", "a cursor the store did not make is refused") {
            try await store.deliveries(status: .failed, limit: 2, after: "not-a-cursor")
        }
    }

    /// Waiting recipients paged two at a time in the urgent-first order; ties in age are broken
    /// by address; a recipient added between pages with the lowest severity (after the cursor)
    /// is listed once at the end, one with the highest (before it) is not.
    package func pendingRecipientPagesCoverEveryRecipientOnce() async throws {
        let store = try await makeStore()
        let a = Address.sms("+4744000001")
        let b = Address.sms("+4744000002")
        let c = Address.sms("+4744000003")
        let d = Address.sms("+4744000004")
        let e = Address.sms("+4744000005")
        let f = Address.email("ops@example.org")
        _ = try await QueueFixture.accept(store, .warning, to: [c, a], at: -500)
        _ = try await QueueFixture.accept(store, .critical, to: [d], at: -100)
        _ = try await QueueFixture.accept(store, .warning, to: [b], at: -600, status: .held)
        _ = try await QueueFixture.accept(store, .warning, to: [e, f], at: -500)
        _ = try await QueueFixture.accept(store, .info, to: [a], at: -700)
        // d is critical; then the warnings by their oldest delivery: a (its info at -700), b,
        // then f, c, e all at -500, by address in byte order (`mailto:` before `sms:`).
        let expected = [d, a, b, f, c, e]

        var walked: [Address] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try await store.pendingRecipients(channel: nil, limit: 2, after: cursor)
            try expectTrue(page.recipients.count <= 2, "a page holds at most the limit")
            walked += page.recipients.map(\.address)
            cursor = page.nextCursor
            pages += 1
            if pages == 1 {
                _ = try await QueueFixture.accept(store, .critical, to: [.sms("+4744000009")], at: -50)
                _ = try await QueueFixture.accept(store, .debug, to: [.sms("+4744000008")], at: -40)
            }
        } while cursor != nil && pages < 20
        try expectEqual(walked, expected + [.sms("+4744000008")], "every recipient once, most urgent first, across new ones between pages")
        let firstOfA = try await store.pending(address: a, limit: 1)
        try expectEqual(firstOfA.map(\.message.severity), [.warning], "one recipient's queue is bounded, most severe first")
        let counts = try await store.pendingRecipients(channel: nil, limit: 100, after: nil)
        try expectEqual(counts.nextCursor, nil, "no cursor when everything fits")
        try expectEqual(counts.recipients.first { $0.address == a }?.count, 2, "a page still counts each recipient's deliveries")

        let sms = try await store.pendingRecipients(channel: .sms, limit: 4, after: nil)
        try expectEqual(sms.recipients.map(\.address), [d, .sms("+4744000009"), a, b], "a channel narrows each page")
        let smsRest = try await store.pendingRecipients(channel: .sms, limit: 4, after: sms.nextCursor)
        try expectEqual(smsRest.recipients.map(\.address), [c, e, .sms("+4744000008")], "and its cursor goes on within the channel")
        try expectEqual(smsRest.nextCursor, nil, "the last page has no cursor")
        try await expectError(.invalid, "invalid_cursor", "a cursor the store did not make is refused") {
            try await store.pendingRecipients(channel: nil, limit: 2, after: "3_1.5_zz_")
        }
    }

    /// One message's deliveries paged two at a time in the message's order, those added later
    /// (channel fallback) at the end; a status changing between pages moves nothing; the
    /// counts by status cover the whole message; the message reads without its deliveries.
    package func messageDeliveriesPageInOrderWithCounts() async throws {
        let store = try await makeStore()
        let sent = try await QueueFixture.accept(store, .info, to: (1...5).map { .sms("+474500000\($0)") }, at: -100, status: .held)
        let other = try await QueueFixture.accept(store, .info, to: [.sms("+4745000009")], at: -90, status: .held)
        let fallback = [Address.email("a@example.org"), .email("b@example.org")].map {
            Delivery(messageID: sent.message.id, address: $0, channel: .email, status: .held, createdAt: StoreFixture.at(-80))
        }
        try await store.addDeliveries(fallback)
        let expected = sent.deliveries.map(\.id) + fallback.map(\.id)

        var walked: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try await store.deliveries(messageID: sent.message.id, limit: 2, after: cursor)
            try expectTrue(page.deliveries.count <= 2, "a page holds at most the limit")
            walked += page.deliveries.map(\.id)
            cursor = page.nextCursor
            pages += 1
            if pages == 1 {
                _ = try await store.setStatus(deliveryID: expected[0], to: .failed, reason: "x", by: "alice", now: StoreFixture.at(1))
                _ = try await store.setStatus(deliveryID: expected[4], to: .failed, reason: "x", by: "alice", now: StoreFixture.at(2))
            }
        } while cursor != nil && pages < 20
        try expectEqual(walked, expected, "every delivery of the message once, in its order, added ones last")
        try expectEqual(pages, 4, "four pages of two")

        let counts = try await store.deliveryCounts(messageID: sent.message.id)
        try expectEqual(counts, [.held: 5, .failed: 2], "counts by status of the whole message")
        try expectEqual(try await store.deliveryCounts(messageID: other.message.id), [.held: 1], "another message counts its own")
        try expectEqual(try await store.deliveryCounts(messageID: "no-such-message"), [:], "an unknown message has none")
        let unknown = try await store.deliveries(messageID: "no-such-message", limit: 2, after: nil)
        try expectEqual(unknown, DeliveryPage(deliveries: [], nextCursor: nil), "an unknown message has no deliveries")

        let bare = try await store.messageWithoutDeliveries(id: sent.message.id)
        try expectEqual(bare?.message.id, sent.message.id, "the message reads without its deliveries")
        try expectEqual(bare?.deliveries.count, 0, "and carries none of them")
        try expectEqual(try await store.messageWithoutDeliveries(id: "no-such-message") == nil, true, "an unknown message is nil")
        try await expectError(.invalid, "invalid_cursor", "a cursor the store did not make is refused") {
            try await store.deliveries(messageID: sent.message.id, limit: 2, after: "-1")
        }
    }
}
