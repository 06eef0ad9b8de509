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
        var walked: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try await store.groups(limit: 2, after: cursor)
            try expectTrue(page.groups.count <= 2, "a page holds at most the limit")
            walked += page.groups.map(\.name)
            cursor = page.nextCursor
            pages += 1
            if pages == 1 {
                try await store.createGroup(ContactGroup(name: "Aaa", createdAt: StoreFixture.t0))
                try await store.createGroup(ContactGroup(name: "zulu", createdAt: StoreFixture.t0))
            }
        } while cursor != nil && pages < 20
        try expectEqual(walked, ["Field", "alpha", "beta", "ops", "ops-2", "zulu"], "every group once, in byte order, across inserts")
        let all = try await store.groups(limit: 100, after: nil)
        try expectEqual(all.groups.count, 7, "one page holds everything when the limit allows")
        try expectEqual(all.nextCursor, nil, "no cursor when everything fits")
        let exact = try await store.groups(limit: 7, after: nil)
        try expectEqual(exact.nextCursor, nil, "no cursor when the page ends exactly at the last group")
        try expectEqual(try await store.groups(limit: 0, after: nil).groups, [], "a limit of 0 reads nothing")
        try await expectError(.invalid, "invalid_cursor", "a cursor the store did not make is refused") {
            try await store.groups(limit: 2, after: "not-a-cursor")
        }
    }

    /// Users come in username order (byte order), a page at a time, each exactly once across
    /// pages while users are added before and after the cursor.
    package func usersPageInNameOrder() async throws {
        let store = try await makeStore()
        for name in ["ops", "Admin", "alice", "bob", "ops-2"] { try await store.createUser(StoreFixture.user(name)) }
        var walked: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try await store.users(limit: 2, after: cursor)
            try expectTrue(page.users.count <= 2, "a page holds at most the limit")
            walked += page.users.map(\.username)
            cursor = page.nextCursor
            pages += 1
            if pages == 1 {
                try await store.createUser(StoreFixture.user("Aaa"))
                try await store.createUser(StoreFixture.user("zulu"))
            }
        } while cursor != nil && pages < 20
        try expectEqual(walked, ["Admin", "alice", "bob", "ops", "ops-2", "zulu"], "every user once, in byte order, across inserts")
        let all = try await store.users(limit: 7, after: nil)
        try expectEqual(all.users.count, 7, "a page ending exactly at the last user")
        try expectEqual(all.nextCursor, nil, "has no cursor")
        try await expectError(.invalid, "invalid_cursor", "a cursor the store did not make is refused") {
            try await store.users(limit: 2, after: "not-a-cursor")
        }
    }
}
