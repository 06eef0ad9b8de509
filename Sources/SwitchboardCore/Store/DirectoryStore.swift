import Foundation

/// Users, contacts and groups. Names are unique; a duplicate create throws `conflict`, a
/// change to something missing throws `notFound`.
package protocol DirectoryStore: Sendable {
    func createUser(_ user: UserAccount) async throws
    func user(named username: String) async throws -> UserAccount?
    func users() async throws -> [UserAccount]
    /// At most `limit` users in username order (byte order) after `cursor` (a `UserPage`'s
    /// `nextCursor`; one the store did not make is `invalid/invalid_cursor`).
    func users(limit: Int, after cursor: String?) async throws -> UserPage
    /// How many users are admins: the rule that the hub keeps one, without reading every user.
    func adminCount() async throws -> Int
    func updateUser(_ user: UserAccount) async throws
    /// Also removes the user's sessions and tokens; returns `false` if there was no such user.
    func deleteUser(named username: String) async throws -> Bool

    func createContact(_ contact: Contact) async throws
    func contact(id: String) async throws -> Contact?
    func contacts() async throws -> [Contact]
    /// A page of the contacts `query` finds, in name order (byte order, then id), after its
    /// cursor.
    func contacts(_ query: ContactQuery) async throws -> ContactPage
    /// The contact linked to a login user, if any.
    func contact(username: String) async throws -> Contact?
    /// Contacts that have this address.
    func contacts(withAddress address: Address) async throws -> [Contact]
    /// For each address a contact has, that contact's name (the first by name, then id, as
    /// `contacts(withAddress:)` lists them), keyed by the address's text: what a page of
    /// messages shows for their senders, in one look-up instead of one per sender.
    func contactNames(for addresses: [Address]) async throws -> [String: String]
    func updateContact(_ contact: Contact) async throws
    /// Also removes the contact from every group.
    func deleteContact(id: String) async throws -> Bool

    func createGroup(_ group: ContactGroup) async throws
    func group(named name: String) async throws -> ContactGroup?
    func groups() async throws -> [ContactGroup]
    /// At most `limit` groups in name order (byte order) after `cursor` (a `GroupPage`'s
    /// `nextCursor`; one the store did not make is `invalid/invalid_cursor`) whose name holds
    /// every word of `search` (case-insensitive, as `ContactQuery` splits and lower-cases
    /// them; an empty search finds every group): the send screen's completion as one types.
    func groups(search: String, limit: Int, after cursor: String?) async throws -> GroupPage
    func updateGroup(_ group: ContactGroup) async throws
    func deleteGroup(named name: String) async throws -> Bool
    /// Adding a contact twice is not an error.
    func addMember(group: String, contactID: String) async throws
    func removeMember(group: String, contactID: String) async throws -> Bool
    func members(group: String) async throws -> [Contact]
    /// The names of the groups a contact is in, in byte order (none for an unknown contact):
    /// a contact's page and a topic's group rules ask this instead of reading every group's
    /// members.
    func groupNames(ofContact contactID: String) async throws -> [String]
    /// How many members each group has, by group name (a group without members is left out):
    /// the groups page's counts in one query instead of reading every member of every group.
    func memberCounts() async throws -> [String: Int]
    /// One group's members counted, and those without a phone or an email among them, over
    /// the whole group (a group's page shows one page of members and these counts); an
    /// unknown group is `notFound/unknown_group`.
    func memberCounts(group: String) async throws -> GroupMemberCounts
}

extension DirectoryStore {
    /// One `contacts(withAddress:)` per distinct address; a store that can ask once does.
    package func contactNames(for addresses: [Address]) async throws -> [String: String] {
        var names: [String: String] = [:]
        var asked: Set<String> = []
        for address in addresses where asked.insert(address.description).inserted {
            if let contact = try await contacts(withAddress: address).first { names[address.description] = contact.name }
        }
        return names
    }
}

extension DirectoryStore {
    /// Every group a page at a time, in name order.
    package func groups(limit: Int, after cursor: String?) async throws -> GroupPage {
        try await groups(search: "", limit: limit, after: cursor)
    }
}
