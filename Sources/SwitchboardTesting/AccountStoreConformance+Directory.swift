import Foundation
import SwitchboardCore

// Users, contacts and groups.
extension AccountStoreConformance {
    /// Create, read, update and delete users; duplicates conflict, missing users are notFound.
    package func userLifecycle() async throws {
        let store = try await makeStore()
        let alice = StoreFixture.user("alice", role: .admin)
        var bob = StoreFixture.user("bob")
        bob.displayName = nil
        try await store.createUser(alice)
        try await store.createUser(bob)

        try expectEqual(try await store.user(named: "alice")?.ms, alice.ms, "user(named:) returns every field")
        try expectEqual(try await store.user(named: "bob")?.ms, bob.ms, "a nil display name stays nil")
        try expectTrue(try await store.user(named: "carol") == nil, "an unknown user is nil")
        let all = try await store.users()
        try expectEqual(all.map(\.ms).sorted { $0.username < $1.username }, [alice.ms, bob.ms], "users() lists both")

        try await expectError(.conflict, "user_exists", "a second alice is refused") {
            try await store.createUser(StoreFixture.user("alice"))
        }
        var changed = alice
        changed.displayName = "Alice A."
        changed.role = .user
        changed.passwordHash = "$2b$12$newhash"
        try await store.updateUser(changed)
        try expectEqual(try await store.user(named: "alice")?.ms, changed.ms, "updateUser stores every field")
        try await expectError(.notFound, "unknown_user", "updating a missing user is notFound") {
            try await store.updateUser(StoreFixture.user("carol"))
        }

        try expectEqual(try await store.deleteUser(named: "bob"), true, "deleting bob")
        try expectTrue(try await store.user(named: "bob") == nil, "bob is gone")
        try expectEqual(try await store.deleteUser(named: "bob"), false, "deleting bob again finds nothing")
        try expectEqual(try await store.users().map(\.username), ["alice"], "only alice is left")
    }

    /// Deleting a user ends their sessions and tokens and unlinks (not deletes) their contact.
    package func deleteUserRemovesCredentialsAndUnlinksContacts() async throws {
        let store = try await makeStore()
        try await store.createUser(StoreFixture.user("alice"))
        try await store.createUser(StoreFixture.user("bob"))
        try await store.createSession(tokenHash: "s-alice", username: "alice", expiresAt: StoreFixture.at(3600))
        try await store.createSession(tokenHash: "s-bob", username: "bob", expiresAt: StoreFixture.at(3600))
        try await store.createToken(APIToken(username: "alice", name: "ci", tokenHash: "t-alice", createdAt: StoreFixture.t0))
        let contact = Contact(name: "Alice", addresses: [.sms("+4712345678")], username: "alice", createdAt: StoreFixture.t0)
        try await store.createContact(contact)

        try expectEqual(try await store.deleteUser(named: "alice"), true, "alice is deleted")
        try expectEqual(try await store.sessionUser(tokenHash: "s-alice", now: StoreFixture.t0), nil, "her session is gone")
        try expectEqual(try await store.tokenUser(tokenHash: "t-alice"), nil, "her token is gone")
        try expectEqual(try await store.tokens(username: "alice"), [], "she has no tokens")
        try expectEqual(try await store.sessionUser(tokenHash: "s-bob", now: StoreFixture.t0), "bob", "bob's session stays")
        var unlinked = contact
        unlinked.username = nil
        try expectEqual(try await store.contact(id: contact.id)?.ms, unlinked.ms, "her contact stays, unlinked")
        try expectTrue(try await store.contact(username: "alice") == nil, "no contact is linked to alice any more")
    }

    /// Create, read, update and delete contacts, with their addresses in order.
    package func contactLifecycle() async throws {
        let store = try await makeStore()
        let bob = Contact(
            name: "Bob",
            addresses: [.sms("+4712345678"), .email("bob@example.org"), .xmpp("bob@example.org/phone")],
            createdAt: StoreFixture.t0
        )
        let ann = Contact(name: "Ann", addresses: [], createdAt: StoreFixture.at(1))
        try await store.createContact(bob)
        try await store.createContact(ann)

        try expectEqual(try await store.contact(id: bob.id)?.ms, bob.ms, "contact(id:) returns addresses in order")
        try expectEqual(try await store.contact(id: ann.id)?.ms, ann.ms, "a contact without addresses")
        try expectTrue(try await store.contact(id: "no-such-contact") == nil, "an unknown contact is nil")
        let all = try await store.contacts()
        try expectEqual(all.map(\.ms).sorted { $0.name < $1.name }, [ann.ms, bob.ms], "contacts() lists both")
        try await expectError(.conflict, "contact_exists", "a contact id is used once") {
            try await store.createContact(Contact(id: bob.id, name: "Another", createdAt: StoreFixture.t0))
        }

        var changed = bob
        changed.name = "Robert"
        changed.addresses = [.email("robert@example.org"), .sms("+4787654321")]
        try await store.updateContact(changed)
        try expectEqual(try await store.contact(id: bob.id)?.ms, changed.ms, "updateContact replaces name and addresses")
        try await expectError(.notFound, "unknown_contact", "updating a missing contact is notFound") {
            try await store.updateContact(Contact(name: "Ghost", createdAt: StoreFixture.t0))
        }

        try expectEqual(try await store.deleteContact(id: ann.id), true, "deleting Ann")
        try expectTrue(try await store.contact(id: ann.id) == nil, "Ann is gone")
        try expectEqual(try await store.deleteContact(id: ann.id), false, "deleting Ann again finds nothing")
    }

    /// Looking contacts up by address (for inbound messages) and by login user.
    package func contactsByAddressAndUsername() async throws {
        let store = try await makeStore()
        try await store.createUser(StoreFixture.user("carol"))
        let shared = Address.sms("+4712345678")
        let bob = Contact(name: "Bob", addresses: [shared, .email("bob@example.org")], createdAt: StoreFixture.t0)
        let ann = Contact(name: "Ann", addresses: [.xmpp("ann@example.org"), shared], createdAt: StoreFixture.t0)
        let carol = Contact(name: "Carol", addresses: [.email("carol@example.org")], username: "carol", createdAt: StoreFixture.t0)
        for contact in [bob, ann, carol] { try await store.createContact(contact) }

        let sharing = try await store.contacts(withAddress: shared)
        try expectEqual(Set(sharing.map(\.id)), [bob.id, ann.id], "both contacts with the number")
        try expectEqual(sharing.first { $0.id == ann.id }?.ms, ann.ms, "found contacts come with all their addresses")
        try expectEqual(try await store.contacts(withAddress: .email("bob@example.org")).map(\.id), [bob.id], "by email")
        try expectEqual(try await store.contacts(withAddress: .sms("+4799999999")), [], "nobody has this number")
        try expectEqual(try await store.contacts(withAddress: .email("BOB@example.org")), [], "the local part is exact")
        try expectEqual(
            try await store.contactNames(for: [shared, .email("bob@example.org"), .sms("+4799999999"), shared]),
            [shared.description: "Ann", Address.email("bob@example.org").description: "Bob"],
            "names by address, the first contact by name where several share one"
        )
        try expectEqual(try await store.contactNames(for: []), [:], "no addresses, no names")

        try expectEqual(try await store.contact(username: "carol")?.ms, carol.ms, "the contact linked to carol")
        try expectTrue(try await store.contact(username: "dave") == nil, "nobody is linked to dave")

        var moved = bob
        moved.addresses = [.email("bob@example.org")]
        try await store.updateContact(moved)
        try expectEqual(try await store.contacts(withAddress: shared).map(\.id), [ann.id], "an updated contact leaves the old address")
        _ = try await store.deleteContact(id: ann.id)
        try expectEqual(try await store.contacts(withAddress: shared), [], "a deleted contact's addresses go with it")

        try await expectError(.notFound, "unknown_user", "a contact cannot link to a user that does not exist") {
            try await store.createContact(Contact(name: "Eve", username: "eve", createdAt: StoreFixture.t0))
        }
    }

    /// Create, read, update and delete groups.
    package func groupLifecycle() async throws {
        let store = try await makeStore()
        let oncall = ContactGroup(name: "oncall", description: "Whoever carries the pager", createdAt: StoreFixture.t0)
        let board = ContactGroup(name: "board", description: nil, createdAt: StoreFixture.at(1))
        try await store.createGroup(oncall)
        try await store.createGroup(board)
        try expectEqual(try await store.group(named: "oncall")?.ms, oncall.ms, "group(named:) returns every field")
        try expectEqual(try await store.group(named: "board")?.ms, board.ms, "a nil description stays nil")
        try expectTrue(try await store.group(named: "nobody") == nil, "an unknown group is nil")
        let all = try await store.groups()
        try expectEqual(all.map(\.ms).sorted { $0.name < $1.name }, [board.ms, oncall.ms], "groups() lists both")
        try await expectError(.conflict, "group_exists", "a group name is used once") {
            try await store.createGroup(ContactGroup(name: "oncall", createdAt: StoreFixture.t0))
        }

        var changed = oncall
        changed.description = "Night shift"
        try await store.updateGroup(changed)
        try expectEqual(try await store.group(named: "oncall")?.ms, changed.ms, "updateGroup stores the description")
        try await expectError(.notFound, "unknown_group", "updating a missing group is notFound") {
            try await store.updateGroup(ContactGroup(name: "nobody", createdAt: StoreFixture.t0))
        }

        try expectEqual(try await store.deleteGroup(named: "board"), true, "deleting board")
        try expectTrue(try await store.group(named: "board") == nil, "board is gone")
        try expectEqual(try await store.deleteGroup(named: "board"), false, "deleting board again finds nothing")
    }

    /// Members are listed by name, added once, and leave with their contact.
    package func groupMembers() async throws {
        let store = try await makeStore()
        try await store.createGroup(ContactGroup(name: "oncall", createdAt: StoreFixture.t0))
        try await store.createGroup(ContactGroup(name: "board", createdAt: StoreFixture.t0))
        let zed = Contact(name: "Zed", addresses: [.sms("+4711111111")], createdAt: StoreFixture.t0)
        let anna = Contact(name: "Anna", addresses: [.email("anna@example.org"), .sms("+4722222222")], createdAt: StoreFixture.t0)
        let mike = Contact(name: "Mike", createdAt: StoreFixture.t0)
        for contact in [zed, anna, mike] { try await store.createContact(contact) }

        for contact in [zed, anna, mike, anna] { try await store.addMember(group: "oncall", contactID: contact.id) }
        try await store.addMember(group: "board", contactID: anna.id)
        try expectEqual(
            try await store.members(group: "oncall").map(\.ms),
            [anna.ms, mike.ms, zed.ms],
            "members by name, each once, with their addresses"
        )
        try await expectError(.notFound, "unknown_group", "adding to a missing group is notFound") {
            try await store.addMember(group: "nobody", contactID: zed.id)
        }
        try await expectError(.notFound, "unknown_contact", "adding a missing contact is notFound") {
            try await store.addMember(group: "oncall", contactID: "no-such-contact")
        }

        try expectEqual(try await store.removeMember(group: "oncall", contactID: mike.id), true, "removing Mike")
        try expectEqual(try await store.removeMember(group: "oncall", contactID: mike.id), false, "Mike is no member now")
        try expectTrue(try await store.contact(id: mike.id) != nil, "removing a member keeps the contact")

        _ = try await store.deleteContact(id: anna.id)
        try expectEqual(try await store.members(group: "oncall").map(\.id), [zed.id], "a deleted contact leaves every group")
        try expectEqual(try await store.members(group: "board"), [], "the other group too")

        _ = try await store.deleteGroup(named: "oncall")
        try expectTrue(try await store.contact(id: zed.id) != nil, "deleting a group keeps its contacts")
    }
}
