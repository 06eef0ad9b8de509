import Foundation
import SwitchboardCore

// Inbound messages and the inboxes: scopes, per-user read flags, paging, counts.
extension InboundStoreConformance {
    /// An inbound message with origin and attachments is stored as it came in.
    package func inboundMessageRoundTrip() async throws {
        let store = try await makeStore()
        let message = StoreFixture.inbound("photo of the meter", from: .sms("+4798765432"), attachments: 1)
        try await store.recordInbound(message)
        let record = try await unwrap(store.message(id: message.id), "message(id:) finds an inbound message")
        try expectEqual(record.ms, MessageRecord(message: message, deliveries: [], warnings: []).ms, "inbound message round-trips")

        let item = try await store.addToInbox(messageID: message.id, owner: nil)
        try expectEqual(
            item.ms,
            InboxItem(id: item.id, message: message, owner: nil, read: false, receivedAt: .distantPast).ms,
            "addToInbox returns the item with its message, unread"
        )
        let read = try await unwrap(store.inboxItem(id: item.id, viewer: "alice"), "inboxItem finds the item")
        try expectEqual(read.ms, item.ms, "inboxItem returns what addToInbox returned")
        let missing = try await store.inboxItem(id: item.id + 1000, viewer: "alice")
        try expectTrue(missing == nil, "inboxItem returns nil for an unknown id")
        try await expectError(.notFound, nil, "an unknown message cannot be put in an inbox") {
            try await store.addToInbox(messageID: "no-such-message", owner: nil)
        }
    }

    /// A recorded inbound message stays unrouted, oldest first, until it reaches an inbox or a
    /// handler finishes it; routing it again adds no second inbox item.
    package func unroutedInboundUntilRouted() async throws {
        let store = try await makeStore()
        let first = StoreFixture.inbound("first", attachments: 1)
        let second = StoreFixture.inbound("second")
        let third = StoreFixture.inbound("third")
        for message in [first, second, third] { try await store.recordInbound(message) }
        let pending = try await store.unroutedInbound(limit: 10)
        try expectEqual(pending.map(\.id), [first.id, second.id, third.id], "recorded messages are unrouted, oldest first")
        try expectEqual(pending.first?.attachments.count, 1, "an unrouted message comes back with its attachments")
        try expectEqual(try await store.unroutedInbound(limit: 2).map(\.id), [first.id, second.id], "limit is honoured")

        let item = try await store.addToInbox(messageID: first.id, owner: "alice")
        try await store.finishRouting(messageID: second.id)
        try expectEqual(try await store.unroutedInbound(limit: 10).map(\.id), [third.id], "inbox and finishRouting clear the mark")

        let again = try await store.addToInbox(messageID: first.id, owner: "alice")
        try expectEqual(again.id, item.id, "routing a message again returns its existing inbox item")
        let page = try await store.inbox(InboxQuery(viewer: "alice", scope: .all))
        try expectEqual(page.items.map(\.id), [item.id], "the message is in the inbox once")
    }

    /// `mine` is the viewer's own, `common` the shared one, `all` both; never someone else's.
    package func inboxScopes() async throws {
        let store = try await makeStore()
        let inbox = try await InboxFixture(store, owners: [nil, "alice", "bob", nil, "alice"])
        let (c1, a1, b1, c2, a2) = (inbox.ids[0], inbox.ids[1], inbox.ids[2], inbox.ids[3], inbox.ids[4])

        try expectEqual(try await ids(store, InboxQuery(viewer: "alice", scope: .mine)), [a2, a1], "alice's own, newest first")
        try expectEqual(try await ids(store, InboxQuery(viewer: "alice", scope: .common)), [c2, c1], "the common inbox")
        try expectEqual(try await ids(store, InboxQuery(viewer: "alice", scope: .all)), [a2, c2, a1, c1], "alice's and the common")
        try expectEqual(try await ids(store, InboxQuery(viewer: "bob", scope: .mine)), [b1], "bob's own")
        try expectEqual(try await ids(store, InboxQuery(viewer: "carol", scope: .mine)), [], "carol has none")

        let page = try await store.inbox(InboxQuery(viewer: "alice", scope: .all))
        for item in page.items {
            let expected = try unwrap(inbox.messages[item.id], "the item is one the fixture made")
            try expectEqual(item.message.ms, expected.ms, "an item carries its message")
            try expectEqual(item.read, false, "nothing is read yet")
        }
        try expectEqual(page.items.map(\.owner), ["alice", nil, "alice", nil], "items carry their owner")
        try expectEqual(page.nextCursor, nil, "one page holds them all")
    }

    /// Alice reading an item does not mark it read for Bob.
    package func readFlagsArePerUser() async throws {
        let store = try await makeStore()
        let inbox = try await InboxFixture(store, owners: [nil, nil])
        let (c1, c2) = (inbox.ids[0], inbox.ids[1])

        let marked = try await store.markRead(itemID: c1, username: "alice")
        try expectEqual(marked, true, "markRead finds the item")
        try expectEqual(try await store.inboxItem(id: c1, viewer: "alice")?.read, true, "alice has read it")
        try expectEqual(try await store.inboxItem(id: c1, viewer: "bob")?.read, false, "bob has not")
        try expectEqual(try await store.inboxItem(id: c2, viewer: "alice")?.read, false, "alice has not read the other one")

        let alice = try await store.inbox(InboxQuery(viewer: "alice", scope: .common))
        try expectEqual(alice.items.map(\.read), [false, true], "alice's listing shows her read flags")
        let bob = try await store.inbox(InboxQuery(viewer: "bob", scope: .common))
        try expectEqual(bob.items.map(\.read), [false, false], "bob's listing shows his")
    }

    /// `unreadOnly` hides what the viewer read, and only for that viewer.
    package func unreadOnlyFiltersPerViewer() async throws {
        let store = try await makeStore()
        let inbox = try await InboxFixture(store, owners: [nil, "alice", nil, "alice"])
        let (c1, a1, c2, a2) = (inbox.ids[0], inbox.ids[1], inbox.ids[2], inbox.ids[3])
        _ = try await store.markRead(itemID: c2, username: "alice")
        _ = try await store.markRead(itemID: a1, username: "alice")
        _ = try await store.markRead(itemID: c1, username: "bob")

        try expectEqual(
            try await ids(store, InboxQuery(viewer: "alice", scope: .all, unreadOnly: true)),
            [a2, c1],
            "alice's unread items"
        )
        try expectEqual(
            try await ids(store, InboxQuery(viewer: "alice", scope: .mine, unreadOnly: true)),
            [a2],
            "alice's unread own items"
        )
        try expectEqual(
            try await ids(store, InboxQuery(viewer: "bob", scope: .common, unreadOnly: true)),
            [c2],
            "bob's unread common items"
        )
    }

    /// Walking pages with the cursor visits every item once, newest first.
    package func inboxPagingHasNoGapsOrDuplicates() async throws {
        let store = try await makeStore()
        let inbox = try await InboxFixture(store, owners: Array(repeating: nil, count: 7) + ["alice"])
        let common = Array(inbox.ids.prefix(7).reversed())

        var pages: [[Int64]] = []
        var cursor: Int64?
        repeat {
            let page = try await store.inbox(InboxQuery(viewer: "alice", scope: .common, limit: 3, before: cursor))
            pages.append(page.items.map(\.id))
            cursor = page.nextCursor
            if let cursor { try expectEqual(cursor, page.items.last?.id, "the cursor is the last item of the page") }
        } while cursor != nil && pages.count < 10
        try expectEqual(pages, [Array(common[0..<3]), Array(common[3..<6]), Array(common[6...])], "three pages of 3, 3 and 1")

        let exact = try await store.inbox(InboxQuery(viewer: "alice", scope: .common, limit: 3, before: common[2]))
        try expectEqual(exact.items.map(\.id), Array(common[3..<6]), "before returns strictly older items")
        let last = try await store.inbox(InboxQuery(viewer: "alice", scope: .common, limit: 1, before: common[5]))
        try expectEqual(last.items.map(\.id), [common[6]], "the last item")
        try expectEqual(last.nextCursor, nil, "no cursor when nothing older remains")
        let exactFit = try await store.inbox(InboxQuery(viewer: "alice", scope: .common, limit: 7))
        try expectEqual(exactFit.nextCursor, nil, "no cursor when the page holds exactly what remains")
    }

    /// Marking twice is harmless; an unknown item is reported.
    package func markReadIsIdempotent() async throws {
        let store = try await makeStore()
        let inbox = try await InboxFixture(store, owners: [nil, nil])
        let unknown = try await store.markRead(itemID: inbox.ids.max()! + 1000, username: "alice")
        try expectEqual(unknown, false, "markRead of an unknown item returns false")
        try expectEqual(try await store.markRead(itemID: inbox.ids[0], username: "alice"), true, "first mark")
        try expectEqual(try await store.markRead(itemID: inbox.ids[0], username: "alice"), true, "second mark")
        let count = try await store.unreadCount(viewer: "alice")
        try expectEqual(count.common, 1, "marking twice counts once")
    }

    /// Unread counts per scope, for one viewer at a time.
    package func unreadCountPerScope() async throws {
        let store = try await makeStore()
        let inbox = try await InboxFixture(store, owners: ["alice", "alice", nil, nil, nil, "bob"])
        let initial = try await store.unreadCount(viewer: "alice")
        try expectEqual([initial.mine, initial.common], [2, 3], "alice starts with 2 own and 3 common unread")

        _ = try await store.markRead(itemID: inbox.ids[0], username: "alice")
        _ = try await store.markRead(itemID: inbox.ids[2], username: "alice")
        _ = try await store.markRead(itemID: inbox.ids[3], username: "bob")
        let alice = try await store.unreadCount(viewer: "alice")
        try expectEqual([alice.mine, alice.common], [1, 2], "alice's reads lower her counts")
        let bob = try await store.unreadCount(viewer: "bob")
        try expectEqual([bob.mine, bob.common], [1, 2], "bob's counts see only bob's reads")
        let carol = try await store.unreadCount(viewer: "carol")
        try expectEqual([carol.mine, carol.common], [0, 3], "a viewer with no inbox of her own")
    }

    private func ids(_ store: any InboundStore, _ query: InboxQuery) async throws -> [Int64] {
        try await store.inbox(query).items.map(\.id)
    }
}

/// Inbound messages put in inboxes in the given order (`nil` = common), one per owner.
struct InboxFixture {
    var ids: [Int64] = []
    var messages: [Int64: Message] = [:]

    init(_ store: any AccountStore & InboundStore, owners: [String?]) async throws {
        for name in ["alice", "bob", "carol"] + owners.compactMap({ $0 }) {
            if try await store.user(named: name) == nil { try await store.createUser(StoreFixture.user(name)) }
        }
        for (index, owner) in owners.enumerated() {
            let message = StoreFixture.inbound("inbound \(index)", at: StoreFixture.at(Double(index)))
            try await store.recordInbound(message)
            let item = try await store.addToInbox(messageID: message.id, owner: owner)
            ids.append(item.id)
            messages[item.id] = message
        }
        guard ids == ids.sorted(), Set(ids).count == ids.count else {
            throw ConformanceFailure(
                check: "InboxFixture",
                message: "inbox item ids must increase with every item",
                actual: "\(ids)",
                file: #filePath,
                line: #line
            )
        }
    }
}
