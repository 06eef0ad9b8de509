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

    /// The groups a contact is in, by name in byte order, whatever the size of the groups;
    /// leaving a group or deleting the contact takes it out; an unknown contact is in none.
    package func groupNamesOfAContact() async throws {
        let store = try await makeStore()
        for name in ["ops", "Field", "board", "empty"] { try await store.createGroup(ContactGroup(name: name, createdAt: StoreFixture.t0)) }
        let kari = Contact(name: "Kari", createdAt: StoreFixture.t0)
        let ola = Contact(name: "Ola", createdAt: StoreFixture.t0)
        for contact in [kari, ola] { try await store.createContact(contact) }
        for group in ["ops", "Field", "board"] { try await store.addMember(group: group, contactID: kari.id) }
        try await store.addMember(group: "ops", contactID: ola.id)
        try expectEqual(try await store.groupNames(ofContact: kari.id), ["Field", "board", "ops"], "Kari's groups in byte order")
        try expectEqual(try await store.groupNames(ofContact: ola.id), ["ops"], "Ola's one group")
        _ = try await store.removeMember(group: "Field", contactID: kari.id)
        try expectEqual(try await store.groupNames(ofContact: kari.id), ["board", "ops"], "a group left")
        _ = try await store.deleteContact(id: kari.id)
        try expectEqual(try await store.groupNames(ofContact: kari.id), [], "a deleted contact is in none")
        try expectEqual(try await store.groupNames(ofContact: "no-such-contact"), [], "nor is an unknown one")
    }

    /// Admins counted by the store: the rule that the hub keeps an admin asks this.
    package func adminsAreCounted() async throws {
        let store = try await makeStore()
        try expectEqual(try await store.adminCount(), 0, "no users, no admins")
        try await store.createUser(StoreFixture.user("alice"))
        try expectEqual(try await store.adminCount(), 0, "a plain user is no admin")
        try await store.createUser(StoreFixture.user("root", role: .admin))
        try await store.createUser(StoreFixture.user("ops", role: .admin))
        try expectEqual(try await store.adminCount(), 2, "two admins")
        var ops = try unwrap(try await store.user(named: "ops"), "ops")
        ops.role = .user
        try await store.updateUser(ops)
        try expectEqual(try await store.adminCount(), 1, "one made a user")
        _ = try await store.deleteUser(named: "root")
        try expectEqual(try await store.adminCount(), 0, "the last deleted")
    }
}
