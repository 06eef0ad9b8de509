import Foundation
import SwitchboardCore

// What a group's page and a contact's page ask the store about groups, answered by the store
// over the whole group instead of by reading every member.
extension AccountStoreConformance {
    /// A group's members counted with those lacking a phone or an email, over the whole
    /// group: an address of another kind (`xmpp:`) or one that only looks like the other
    /// (`mailto:sms@…`) is no phone; other groups' members and non-members do not count.
    package func groupMemberCountsCoverTheWholeGroup() async throws {
        let store = try await makeStore()
        try await store.createGroup(ContactGroup(name: "field", createdAt: StoreFixture.t0))
        try await store.createGroup(ContactGroup(name: "empty", createdAt: StoreFixture.t0))
        try await store.createGroup(ContactGroup(name: "other", createdAt: StoreFixture.t0))
        let members = [
            Contact(name: "Both", addresses: [.sms("+4711111111"), .email("both@example.org")], createdAt: StoreFixture.t0),
            Contact(name: "Phone", addresses: [.sms("+4722222222"), .sms("+4722222223")], createdAt: StoreFixture.t0),
            Contact(name: "Mail", addresses: [.email("sms@example.org")], createdAt: StoreFixture.t0),
            Contact(name: "Chat", addresses: [.xmpp("chat@example.org")], createdAt: StoreFixture.t0),
            Contact(name: "None", createdAt: StoreFixture.t0),
        ]
        let outsider = Contact(name: "Outsider", createdAt: StoreFixture.t0)
        for contact in members + [outsider] { try await store.createContact(contact) }
        for contact in members { try await store.addMember(group: "field", contactID: contact.id) }
        try await store.addMember(group: "other", contactID: outsider.id)
        try expectEqual(
            try await store.memberCounts(group: "field"),
            GroupMemberCounts(members: 5, withoutPhone: 3, withoutEmail: 3),
            "five members: Mail, Chat and None have no phone; Phone, Chat and None no email"
        )
        try expectEqual(try await store.memberCounts(group: "empty"), GroupMemberCounts(members: 0, withoutPhone: 0, withoutEmail: 0), "none")
        try await store.addMember(group: "field", contactID: outsider.id)
        try expectEqual(
            try await store.memberCounts(group: "field"),
            GroupMemberCounts(members: 6, withoutPhone: 4, withoutEmail: 4),
            "a member added counts at once"
        )
        try await expectError(.notFound, "unknown_group", "an unknown group is notFound") {
            try await store.memberCounts(group: "nobody")
        }
    }
}
