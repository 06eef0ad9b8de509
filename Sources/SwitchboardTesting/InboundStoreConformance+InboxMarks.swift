import Foundation
import SwitchboardCore

// The inbox as the web pages use it: marking unread and all read, and filtered listings.
extension InboundStoreConformance {
    /// Marking unread undoes one user's read flag only; marking all read takes the items up to
    /// a given id in the caller's scope, counts what it changed, and leaves later items unread.
    package func markUnreadAndMarkAllRead() async throws {
        let store = try await makeStore()
        let inbox = try await InboxFixture(store, owners: [nil, "alice", nil, "bob", nil])
        let (c1, a1, c2, b1, c3) = (inbox.ids[0], inbox.ids[1], inbox.ids[2], inbox.ids[3], inbox.ids[4])

        try expectEqual(try await store.markUnread(itemID: inbox.ids.max()! + 1000, username: "alice"), false, "an unknown item is reported")
        _ = try await store.markRead(itemID: c1, username: "alice")
        _ = try await store.markRead(itemID: c1, username: "bob")
        try expectEqual(try await store.markUnread(itemID: c1, username: "alice"), true, "markUnread finds the item")
        try expectEqual(try await store.inboxItem(id: c1, viewer: "alice")?.read, false, "alice has it unread again")
        try expectEqual(try await store.inboxItem(id: c1, viewer: "bob")?.read, true, "bob's read flag is his own")
        try expectEqual(try await store.markUnread(itemID: c1, username: "alice"), true, "marking unread twice is harmless")

        let upToC2 = try await store.markAllRead(username: "alice", scope: .all, upTo: c2)
        try expectEqual(upToC2, 3, "c1, a1 and c2 were unread for alice")
        let alice = try await store.unreadCount(viewer: "alice")
        try expectEqual([alice.mine, alice.common], [0, 1], "only the item after the mark is unread")
        try expectEqual(try await store.inboxItem(id: c3, viewer: "alice")?.read, false, "a later item stays unread")
        try expectEqual(try await store.inboxItem(id: a1, viewer: "alice")?.read, true, "alice's own item is read")
        let bob = try await store.unreadCount(viewer: "bob")
        try expectEqual([bob.mine, bob.common], [1, 2], "alice marking all read changes nothing for bob")
        try expectEqual(try await store.inboxItem(id: b1, viewer: "bob")?.read, false, "bob's private item is untouched")

        try expectEqual(try await store.markAllRead(username: "alice", scope: .all, upTo: nil), 1, "the rest: c3")
        try expectEqual(try await store.markAllRead(username: "alice", scope: .all, upTo: nil), 0, "nothing left to mark")
        try expectEqual(try await store.markAllRead(username: "bob", scope: .mine, upTo: nil), 1, "bob's own item only")
        let after = try await store.unreadCount(viewer: "bob")
        try expectEqual([after.mine, after.common], [0, 2], "scope mine leaves the common inbox unread")
    }

    /// Channel, connector, text, time and read flag narrow a listing, together and with the cursor.
    package func inboxFiltersNarrowTheListing() async throws {
        let store = try await makeStore()
        if try await store.user(named: "alice") == nil { try await store.createUser(StoreFixture.user("alice")) }
        var m0 = StoreFixture.inbound("Road closed at km 12", from: .sms("+4712345678"))
        m0.origin?.connector = "kannel"
        var m1 = StoreFixture.inbound("rising", from: .email("kari@example.org"))
        m1.subject = "Water LEVEL"
        m1.origin?.connector = "mail-in"
        var m2 = StoreFixture.inbound("all clear", from: .sms("+4798765432"))
        m2.origin?.connector = "modem"
        var m3 = StoreFixture.inbound("road works", from: .xmpp("ops@example.org"))
        m3.origin?.connector = "xmpp"
        var items: [InboxItem] = []
        for message in [m0, m1, m2, m3] {
            try await store.recordInbound(message)
            items.append(try await store.addToInbox(messageID: message.id, owner: nil))
        }
        let (i0, i1, i2, i3) = (items[0].id, items[1].id, items[2].id, items[3].id)
        func ids(_ filter: InboxFilter, read: Bool? = nil) async throws -> [Int64] {
            var query = InboxQuery(viewer: "alice", scope: .common, filter: filter)
            query.read = read
            return try await store.inbox(query).items.map(\.id)
        }
        try expectEqual(try await ids(InboxFilter(channel: .sms)), [i2, i0], "sms senders")
        try expectEqual(try await ids(InboxFilter(channel: .email)), [i1], "email senders")
        try expectEqual(try await ids(InboxFilter(channel: .im)), [i3], "im senders")
        try expectEqual(try await ids(InboxFilter(channel: "fax")), [], "a channel no address belongs to")
        try expectEqual(try await ids(InboxFilter(connector: "modem")), [i2], "by connector")
        try expectEqual(try await ids(InboxFilter(text: "ROAD")), [i3, i0], "text in either case")
        try expectEqual(try await ids(InboxFilter(text: "level")), [i1], "text in the subject")
        try expectEqual(try await ids(InboxFilter(text: "98765")), [i2], "text in the sender")
        try expectEqual(try await ids(InboxFilter(text: "nowhere")), [], "text found nowhere")
        try expectEqual(try await ids(InboxFilter(channel: .sms, text: "road")), [i0], "parts combine")
        try expectEqual(try await ids(InboxFilter(receivedSince: items[2].receivedAt)), [i3, i2], "since is inclusive")
        try expectEqual(try await ids(InboxFilter(receivedBefore: items[2].receivedAt)), [i1, i0], "before is exclusive")
        try expectEqual(try await ids(InboxFilter(receivedSince: .distantFuture)), [], "nothing received in the future")

        _ = try await store.markRead(itemID: i0, username: "alice")
        try expectEqual(try await ids(InboxFilter(), read: true), [i0], "only what alice read")
        try expectEqual(try await ids(InboxFilter(), read: false), [i3, i2, i1], "only what alice has not read")

        let first = try await store.inbox(InboxQuery(viewer: "alice", scope: .common, limit: 1, filter: InboxFilter(channel: .sms)))
        try expectEqual(first.items.map(\.id), [i2], "a filtered page")
        let second = try await store.inbox(
            InboxQuery(viewer: "alice", scope: .common, limit: 1, before: first.nextCursor, filter: InboxFilter(channel: .sms))
        )
        try expectEqual(second.items.map(\.id), [i0], "the cursor continues the filtered listing")
        try expectEqual(second.nextCursor, nil, "and ends with it")
    }
}
