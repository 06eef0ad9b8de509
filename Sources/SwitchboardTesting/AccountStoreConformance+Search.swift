import Foundation
import SwitchboardCore

// Searching the address book in the store: the contacts page, `GET /api/v1/contacts?q=` and
// the send screen's completion read one page, never the whole directory.
extension AccountStoreConformance {
    /// Every word must be found, case-insensitively, in the name, an address or the name of a
    /// group the contact is in; results come in name order (byte order, then id), a page at a
    /// time, every match exactly once across pages while contacts are added between them;
    /// `%` and `_` are plain characters.
    package func contactSearchPagesInNameOrder() async throws {
        let store = try await makeStore()
        let kari = Contact(name: "Kari Nordmann", addresses: [.sms("+4712345678"), .email("kari@example.org")], createdAt: StoreFixture.t0)
        let ola = Contact(name: "Ola Nordmann", addresses: [.sms("+4787654321")], createdAt: StoreFixture.t0)
        let per = Contact(name: "Per 50%_off", addresses: [.email("per@nord.example")], createdAt: StoreFixture.t0)
        let anne = Contact(name: "Anne", addresses: [], createdAt: StoreFixture.t0)
        let twin = Contact(name: "Anne", addresses: [.sms("+4799999999")], createdAt: StoreFixture.t0)
        for contact in [kari, ola, per, anne, twin] { try await store.createContact(contact) }
        try await store.createGroup(ContactGroup(name: "Vakt-Nord", createdAt: StoreFixture.t0))
        try await store.addMember(group: "Vakt-Nord", contactID: anne.id)
        let twins = [anne, twin].sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }

        func ids(_ search: String, group: String? = nil) async throws -> [String] {
            try await store.contacts(ContactQuery(search: search, group: group)).contacts.map(\.id)
        }
        try expectEqual(try await ids(""), twins.map(\.id) + [kari.id, ola.id, per.id], "no words: everyone, by name then id")
        try expectEqual(try await ids("NORDMANN"), [kari.id, ola.id], "a word in the name, whatever its case")
        try expectEqual(try await ids("nord"), [anne.id, kari.id, ola.id, per.id], "in the name, an email address or a group's name")
        try expectEqual(try await ids("12345"), [kari.id], "digits in a phone number")
        try expectEqual(try await ids("KARI@EXAMPLE"), [kari.id], "an email address, whatever its case")
        try expectEqual(try await ids("vakt"), [anne.id], "the name of a group the contact is in")
        try expectEqual(try await ids("nordmann 8765"), [ola.id], "every word must be found")
        try expectEqual(try await ids("50%_"), [per.id], "% and _ are plain characters")
        try expectEqual(try await ids("%"), [per.id], "a lone % finds only a %")
        try expectEqual(try await ids("_"), [per.id], "a lone _ finds only an _")
        try expectEqual(try await ids("nobody"), [], "nothing found")
        try await store.addMember(group: "Vakt-Nord", contactID: per.id)
        let first = try await store.contacts(ContactQuery(group: "Vakt-Nord", limit: 1))
        let second = try await store.contacts(ContactQuery(group: "Vakt-Nord", limit: 1, cursor: first.nextCursor))
        try expectEqual((first.contacts + second.contacts).map(\.id), [anne.id, per.id], "a group's members, a page at a time")
        try expectEqual(second.nextCursor, nil, "and no more")
        try expectEqual(try await ids("per", group: "Vakt-Nord"), [per.id], "a search within a group")
        try expectEqual(try await store.contacts(ContactQuery(group: "nobody-here")).contacts, [], "an unknown group has no members")
        try await store.createGroup(ContactGroup(name: "empty", createdAt: StoreFixture.t0))
        try expectEqual(try await store.memberCounts(), ["Vakt-Nord": 2], "members counted per group; an empty group is left out")
        _ = try await store.removeMember(group: "Vakt-Nord", contactID: per.id)
        let found = try await store.contacts(ContactQuery(search: "kari", limit: 5))
        try expectEqual(found.contacts.first?.ms, kari.ms, "a found contact comes with its addresses")

        // Pages of two across an insert before and one after the cursor.
        let walked = try await walkPages(limit: 2) { limit, cursor in
            let page = try await store.contacts(ContactQuery(search: "", limit: limit, cursor: cursor))
            return (page.contacts.map(\.id), page.nextCursor)
        } betweenPages: { read in
            guard read == 1 else { return }
            try await store.createContact(Contact(name: "Aaron", createdAt: StoreFixture.t0))
            try await store.createContact(Contact(id: "zz-last", name: "Zed", createdAt: StoreFixture.t0))
        }
        try expectEqual(walked, twins.map(\.id) + [kari.id, ola.id, per.id, "zz-last"], "every contact once, in name order, across inserts")
        try expectEqual(try await store.contacts(ContactQuery(limit: 100)).nextCursor, nil, "no cursor when everything fits")
        try await expectError(.invalid, "invalid_cursor", "a cursor the store did not make is refused") {
            try await store.contacts(ContactQuery(cursor: "not-a-cursor"))
        }
    }
}
