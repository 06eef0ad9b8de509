import Foundation

/// Users, contacts and groups. Names are unique; a duplicate create throws `conflict`, a
/// change to something missing throws `notFound`.
package protocol DirectoryStore: Sendable {
    func createUser(_ user: UserAccount) async throws
    func user(named username: String) async throws -> UserAccount?
    func users() async throws -> [UserAccount]
    func updateUser(_ user: UserAccount) async throws
    /// Also removes the user's sessions and tokens; returns `false` if there was no such user.
    func deleteUser(named username: String) async throws -> Bool

    func createContact(_ contact: Contact) async throws
    func contact(id: String) async throws -> Contact?
    func contacts() async throws -> [Contact]
    /// The contact linked to a login user, if any.
    func contact(username: String) async throws -> Contact?
    /// Contacts that have this address.
    func contacts(withAddress address: Address) async throws -> [Contact]
    func updateContact(_ contact: Contact) async throws
    /// Also removes the contact from every group.
    func deleteContact(id: String) async throws -> Bool

    func createGroup(_ group: ContactGroup) async throws
    func group(named name: String) async throws -> ContactGroup?
    func groups() async throws -> [ContactGroup]
    func updateGroup(_ group: ContactGroup) async throws
    func deleteGroup(named name: String) async throws -> Bool
    /// Adding a contact twice is not an error.
    func addMember(group: String, contactID: String) async throws
    func removeMember(group: String, contactID: String) async throws -> Bool
    func members(group: String) async throws -> [Contact]
}
