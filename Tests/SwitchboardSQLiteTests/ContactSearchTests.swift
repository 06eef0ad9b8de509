import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardSQLite

/// The address book's search on SQLite: the conformance check on both kinds of store, the
/// query walking the name index in order, and letters beyond ASCII folded as Swift folds them.
@Suite("SQLiteStore contact search")
struct ContactSearchTests {
    @Test(arguments: StoreKind.allCases) func contactSearchPagesInNameOrder(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.accounts.run(.contactSearchPagesInNameOrder) }
    }

    @Test(arguments: StoreKind.allCases) func groupsPageInNameOrder(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.accounts.run(.groupsPageInNameOrder) }
    }

    @Test(arguments: StoreKind.allCases) func groupSearchFindsNamesHoldingEveryWord(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.accounts.run(.groupSearchFindsNamesHoldingEveryWord) }
    }

    @Test(arguments: StoreKind.allCases) func usersPageInNameOrder(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.accounts.run(.usersPageInNameOrder) }
    }

    @Test(arguments: StoreKind.allCases) func tokensPageOldestFirst(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.accounts.run(.tokensPageOldestFirst) }
    }

    @Test(arguments: StoreKind.allCases) func groupMemberCountsCoverTheWholeGroup(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.accounts.run(.groupMemberCountsCoverTheWholeGroup) }
    }

    @Test(arguments: StoreKind.allCases) func groupNamesOfAContact(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.accounts.run(.groupNamesOfAContact) }
    }

    @Test(arguments: StoreKind.allCases) func adminsAreCounted(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.accounts.run(.adminsAreCounted) }
    }

    @Test func theSearchWalksTheNameIndexInOrder() async throws {
        let store = try SQLiteStore.inMemory()
        let plan = try await store.queryPlan(SQLiteStore.contactSearchSQL(words: 2, cursor: true), arguments: [0, 0, 0, 0, 0, 0, 0, 0, 10])
        #expect(plan.contains { $0.contains("INDEX contacts_name") }, "\(plan)")
        #expect(!plan.contains { $0.contains("TEMP B-TREE FOR ORDER BY") }, "no sort of every match: \(plan)")
    }

    @Test func lettersBeyondASCIIMatchWhateverTheirCase() async throws {
        let store = try SQLiteStore.inMemory()
        let contact = Contact(name: "ÅSE ØDEGÅRD", addresses: [.email("åse@example.org")])
        try await store.createContact(contact)
        #expect(try await store.contacts(ContactQuery(search: "ødegård")).contacts.map(\.id) == [contact.id])
        #expect(try await store.contacts(ContactQuery(search: "ÅSE@")).contacts.map(\.id) == [contact.id])
    }
}
