import Foundation
import SwitchboardCore

// The directory's other listings a page at a time: the groups page, `GET /api/v1/groups` and
// the send screen's completion read one page, never every group.
extension AccountStoreConformance {
    /// Groups come in name order (byte order: capitals first), a page at a time, each exactly
    /// once across pages while groups are added before and after the cursor; the last page
    /// has no cursor, and a cursor the store did not make is refused.
    package func groupsPageInNameOrder() async throws {
        let store = try await makeStore()
        for name in ["ops", "Field", "alpha", "beta", "ops-2"] {
            try await store.createGroup(ContactGroup(name: name, createdAt: StoreFixture.t0))
        }
        let walked = try await walkPages(limit: 2) { limit, cursor in
            let page = try await store.groups(limit: limit, after: cursor)
            return (page.items.map(\.name), page.nextCursor)
        } betweenPages: { read in
            guard read == 1 else { return }
            try await store.createGroup(ContactGroup(name: "Aaa", createdAt: StoreFixture.t0))
            try await store.createGroup(ContactGroup(name: "zulu", createdAt: StoreFixture.t0))
        }
        try expectEqual(walked, ["Field", "alpha", "beta", "ops", "ops-2", "zulu"], "every group once, in byte order, across inserts")
        let all = try await store.groups(limit: 100, after: nil)
        try expectEqual(all.items.count, 7, "one page holds everything when the limit allows")
        try expectEqual(all.nextCursor, nil, "no cursor when everything fits")
        let exact = try await store.groups(limit: 7, after: nil)
        try expectEqual(exact.nextCursor, nil, "no cursor when the page ends exactly at the last group")
        try expectEqual(try await store.groups(limit: 0, after: nil).items, [], "a limit of 0 reads nothing")
        try await expectError(.invalid, "invalid_cursor", "a cursor the store did not make is refused") {
            try await store.groups(limit: 2, after: "not-a-cursor")
        }
    }

    /// A search keeps the groups whose name holds every word, case-insensitive, at the start
    /// or inside; `%` and `_` are literal; the matches page in name order like every group.
    package func groupSearchFindsNamesHoldingEveryWord() async throws {
        let store = try await makeStore()
        for name in ["Field North", "field-south", "Ops", "Shelter", "50%_off", "500 off", "north ops"] {
            try await store.createGroup(ContactGroup(name: name, createdAt: StoreFixture.t0))
        }
        let names = { (search: String) in try await store.groups(search: search, limit: 100, after: nil).items.map(\.name) }
        try expectEqual(try await names("FIE"), ["Field North", "field-south"], "a prefix, any case")
        try expectEqual(try await names("elt"), ["Shelter"], "inside the name")
        try expectEqual(try await names("north field"), ["Field North"], "every word, in any order")
        try expectEqual(try await names("%_"), ["50%_off"], "wildcards are literal")
        try expectEqual(try await names("nothing"), [], "no group holds it")
        try expectEqual(try await names("").count, 7, "an empty search finds every group")
        let first = try await store.groups(search: "o", limit: 2, after: nil)
        try expectEqual(first.items.map(\.name), ["50%_off", "500 off"], "a page of matches in byte order")
        let rest = try await store.groups(search: "o", limit: 10, after: first.nextCursor)
        try expectEqual(rest.items.map(\.name), ["Field North", "Ops", "field-south", "north ops"], "the cursor goes on within the search")
        try expectEqual(rest.nextCursor, nil, "the last page has no cursor")
    }

    /// Users come in username order (byte order), a page at a time, each exactly once across
    /// pages while users are added before and after the cursor.
    package func usersPageInNameOrder() async throws {
        let store = try await makeStore()
        for name in ["ops", "Admin", "alice", "bob", "ops-2"] { try await store.createUser(StoreFixture.user(name)) }
        let walked = try await walkPages(limit: 2) { limit, cursor in
            let page = try await store.users(limit: limit, after: cursor)
            return (page.items.map(\.username), page.nextCursor)
        } betweenPages: { read in
            guard read == 1 else { return }
            try await store.createUser(StoreFixture.user("Aaa"))
            try await store.createUser(StoreFixture.user("zulu"))
        }
        try expectEqual(walked, ["Admin", "alice", "bob", "ops", "ops-2", "zulu"], "every user once, in byte order, across inserts")
        let all = try await store.users(limit: 7, after: nil)
        try expectEqual(all.items.count, 7, "a page ending exactly at the last user")
        try expectEqual(all.nextCursor, nil, "has no cursor")
        try await expectError(.invalid, "invalid_cursor", "a cursor the store did not make is refused") {
            try await store.users(limit: 2, after: "not-a-cursor")
        }
    }
}

extension AccountStoreConformance {
    /// One user's tokens come oldest first (ties by id in byte order), a page at a time, each
    /// exactly once across pages while tokens are made before and after the cursor (one at the
    /// cursor's own time on either side of its id); another user's tokens never show.
    package func tokensPageOldestFirst() async throws {
        let store = try await makeStore()
        try await store.createUser(StoreFixture.user("alice"))
        try await store.createUser(StoreFixture.user("bob"))
        func token(_ id: String, _ user: String = "alice", at seconds: TimeInterval) -> APIToken {
            APIToken(id: id, username: user, name: "token \(id)", tokenHash: "hash-\(id)", createdAt: StoreFixture.at(seconds))
        }
        for made in [
            token("t3", at: 2), token("t1", at: 0), token("t2", at: 1.5), token("T2", at: 1.5), token("b1", "bob", at: 1.5), token("t5", at: 4),
        ] {
            try await store.createToken(made)
        }
        let walked = try await walkPages(limit: 2) { limit, cursor in
            let page = try await store.tokens(username: "alice", limit: limit, after: cursor)
            return (page.tokens.map(\.id), page.nextCursor)
        } betweenPages: { read in
            guard read == 1 else { return }
            for made in [token("t0", at: -5), token("A2", at: 1.5), token("t2b", at: 1.5), token("t9", at: 9)] {
                try await store.createToken(made)
            }
        }
        try expectEqual(walked, ["t1", "T2", "t2", "t2b", "t3", "t5", "t9"], "every token once, oldest first, then by id, across inserts")
        let first = try await store.tokens(username: "alice", limit: 2, after: nil)
        try expectEqual(
            first.tokens.map { [$0.id, $0.username, $0.name, $0.tokenHash] },
            [["t0", "alice", "token t0", "hash-t0"], ["t1", "alice", "token t1", "hash-t1"]],
            "a page's tokens whole"
        )
        let millis = first.tokens.map { ($0.createdAt.timeIntervalSince(StoreFixture.t0) * 1000).rounded() }
        try expectEqual(millis, [-5000, 0], "with their times")
        let all = try await store.tokens(username: "alice", limit: 9, after: nil)
        try expectEqual(all.tokens.count, 9, "a page ending exactly at the last token")
        try expectEqual(all.nextCursor, nil, "has no cursor")
        try expectEqual(try await store.tokens(username: "bob", limit: 10, after: nil).tokens.map(\.id), ["b1"], "only bob's own")
        try expectEqual(try await store.tokens(username: "alice", limit: 0, after: nil).tokens, [], "a limit of 0 reads nothing")
        try await expectError(.invalid, "invalid_cursor", "a cursor the store did not make is refused") {
            try await store.tokens(username: "alice", limit: 2, after: "not-a-cursor")
        }
    }
}
