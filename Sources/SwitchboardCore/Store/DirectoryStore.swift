import Foundation

/// Users, contacts and groups. Names are unique; a duplicate create throws `conflict`, a
/// change to something missing throws `notFound`.
public protocol DirectoryStore: Sendable {
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

/// Login sessions and API tokens, kept only as hashes of the secrets.
public protocol CredentialStore: Sendable {
    func createSession(tokenHash: String, username: String, expiresAt: Date) async throws
    /// The user a live session belongs to.
    func sessionUser(tokenHash: String, now: Date) async throws -> String?
    func deleteSession(tokenHash: String) async throws
    /// Keeps a session in use alive: once less than half of `ttl` remains, its expiry moves to
    /// `now + ttl` and the new expiry is returned; otherwise (or for an unknown or expired
    /// session) `nil`. So a session lives `ttl` past its last use, at one write per half `ttl`.
    func renewSession(tokenHash: String, now: Date, ttl: TimeInterval) async throws -> Date?
    /// Ends every session of `username` but the one `keeping` (a password change: whoever
    /// knew the old password is logged out, the person changing it is not); returns how many.
    @discardableResult
    func deleteSessions(username: String, keeping: String?) async throws -> Int
    func createToken(_ token: APIToken) async throws
    func tokenUser(tokenHash: String) async throws -> String?
    /// The account behind an authenticated request. A store may answer from a short-lived
    /// cache (changes made by another process, such as a role changed by the CLI, then show
    /// within seconds); its own changes show at once. Never use it to check a password:
    /// `user(named:)` always reads.
    func requestUser(named username: String) async throws -> UserAccount?
    func tokens(username: String) async throws -> [APIToken]
    func deleteToken(id: String, username: String) async throws -> Bool
}

/// Everything the hub keeps. Both the SQLite and the PostgreSQL store implement all of it and
/// pass the same conformance suite.
public typealias HubStore = OutboxStore & InboxStore & DirectoryStore & CredentialStore & QueueStore & FormStore & DeliveryReportStore

extension CredentialStore where Self: DirectoryStore {
    public func requestUser(named username: String) async throws -> UserAccount? { try await user(named: username) }
}
