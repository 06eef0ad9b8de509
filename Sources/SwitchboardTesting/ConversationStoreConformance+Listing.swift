import Foundation
import SwitchboardCore

// The listing: filters, the order (most recently started first, then most recently stored)
// and cursor paging that neither repeats nor skips.
extension ConversationStoreConformance {
    /// Each filter alone and together.
    package func queryFilters() async throws {
        let store = try await makeStore()
        let one: Address = .sms("+4740000001")
        let kari: Address = .xmpp("kari@example.org")
        let plan: [Conversation] = [
            Fixture.conversation(responder: "report", address: one, username: "alice", status: .ongoing, startedAt: StoreFixture.at(1)),
            Fixture.conversation(
                responder: "report",
                address: .sms("+4740000002"),
                username: "bob",
                status: .complete,
                startedAt: StoreFixture.at(2)
            ),
            Fixture.conversation(
                responder: "survey",
                connector: "xmpp",
                address: kari,
                username: "alice",
                status: .aborted,
                startedAt: StoreFixture.at(3)
            ),
            Fixture.conversation(responder: "survey", address: one, status: .expired, startedAt: StoreFixture.at(4)),
            Fixture.conversation(responder: "report", connector: "xmpp", address: one, status: .complete, startedAt: StoreFixture.at(5)),
        ]
        for c in plan { _ = try await store.commitTurn(Fixture.insert(c)) }
        func ids(_ query: ConversationQuery) async throws -> [Int] {
            try await store.conversations(query).conversations.map { c in plan.firstIndex { $0.id == c.id }! + 1 }
        }
        try expectEqual(try await ids(ConversationQuery()), [5, 4, 3, 2, 1], "everything, most recently started first")
        try expectEqual(try await ids(ConversationQuery(status: .complete)), [5, 2], "by status")
        try expectEqual(try await ids(ConversationQuery(responder: "survey")), [4, 3], "by responder")
        try expectEqual(try await ids(ConversationQuery(connector: "xmpp")), [5, 3], "by connector")
        try expectEqual(try await ids(ConversationQuery(address: one)), [5, 4, 1], "by address")
        try expectEqual(try await ids(ConversationQuery(username: "alice")), [3, 1], "by user")
        try expectEqual(try await ids(ConversationQuery(responder: "report", address: one)), [5, 1], "filters together")
        try expectEqual(try await ids(ConversationQuery(status: .ongoing, username: "bob")), [], "nothing matches")
        try expectEqual(try await ids(ConversationQuery(responder: "rep")), [], "a responder is matched whole")
        let first = try await store.conversations(ConversationQuery(address: kari)).conversations.first
        try expectEqual(first?.ms, plan[2].stored, "a listed conversation is whole")
    }

    /// Pages of two walk the whole listing in order, ties on `startedAt` included, without a
    /// gap or a repeat, while conversations start meanwhile.
    package func pagingHasNoGapsOrDuplicates() async throws {
        let store = try await makeStore()
        let starts: [Double] = [3, 1, 3, 2, 3, 1, 0]
        var stored: [Conversation] = []
        for (index, start) in starts.enumerated() {
            let c = Fixture.conversation(address: .sms("+474100000\(index)"), startedAt: StoreFixture.at(start))
            _ = try await store.commitTurn(Fixture.insert(c))
            stored.append(c)
        }
        // Most recently started first; among equal starts, the one stored last first.
        let expected = stored.enumerated().sorted { a, b in
            starts[a.offset] != starts[b.offset] ? starts[a.offset] > starts[b.offset] : a.offset > b.offset
        }.map(\.element.id)
        try expectEqual(try await store.conversations(ConversationQuery(limit: 100)).conversations.map(\.id), expected, "the listing order")

        var walked: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try await store.conversations(ConversationQuery(cursor: cursor, limit: 2))
            walked += page.conversations.map(\.id)
            cursor = page.nextCursor
            pages += 1
            if pages == 2 {
                // Started meanwhile: newer than every cursor, so never on a later page.
                let late = Fixture.conversation(address: .sms("+4742000000"), startedAt: StoreFixture.at(50))
                _ = try await store.commitTurn(Fixture.insert(late))
            }
        } while cursor != nil && pages < 10
        try expectEqual(walked, expected, "pages of two, in order, with no gap or repeat")
        try expectEqual(pages, 4, "seven conversations in pages of two")
        let exact = try await store.conversations(ConversationQuery(limit: 8))
        try expectEqual(exact.nextCursor, nil, "no cursor when the page holds the rest")
        let short = try await store.conversations(ConversationQuery(limit: 7))
        try expectTrue(short.nextCursor != nil, "a cursor when more remain")
        let empty = try await store.conversations(ConversationQuery(limit: 0))
        try expectEqual(empty.conversations.count, 0, "limit 0 lists nothing")
    }

    /// A cursor that no page gave is refused, not read as the start.
    package func badCursorsAreRefused() async throws {
        let store = try await makeStore()
        _ = try await store.commitTurn(Fixture.insert(Fixture.conversation()))
        for cursor in ["", "abc", "12", "1_0", "x_1", "1_-2", "nan_1", "inf_2", "1_2_3", "1767225600.25_", "_5"] {
            try await expectError(.invalid, "invalid_cursor", "cursor '\(cursor)'") {
                try await store.conversations(ConversationQuery(cursor: cursor))
            }
        }
    }
}
