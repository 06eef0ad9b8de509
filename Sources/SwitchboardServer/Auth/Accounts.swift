import Foundation
import HummingbirdBcrypt
import NIOConcurrencyHelpers
import NIOPosix
import SwitchboardCore

/// Users and passwords, in one place for the HTTP API and the `switchboard users …` CLI, so
/// both apply the same rules (valid names, password length, bcrypt cost).
///
/// Bcrypt is slow on purpose; it runs on NIO's blocking thread pool, never on the
/// concurrency pool that serves requests.
package struct Accounts: Sendable {
    /// Shortest password accepted.
    package static let minimumPasswordLength = PasswordPolicy.minimumLength
    /// bcrypt reads only the first 72 bytes; longer passwords are refused rather than
    /// silently cut, when set and at login.
    package static let maximumPasswordBytes = PasswordPolicy.maximumBytes

    package let store: any HubStore
    /// log2 of bcrypt's rounds: 10 in production, 4 (the minimum) in tests.
    package let bcryptCost: UInt8

    package init(store: any HubStore, bcryptCost: UInt8 = 10) {
        precondition((4...31).contains(bcryptCost), "bcrypt cost must be 4...31")
        self.store = store
        self.bcryptCost = bcryptCost
    }

    /// Creates a login user. Throws `invalid` for a bad name or password, `conflict` if the
    /// name is taken.
    @discardableResult
    package func createUser(username: String, password: String, role: UserAccount.Role, displayName: String? = nil) async throws -> UserAccount {
        try Self.validate(username: username)
        try Self.validate(password: password, username: username)
        let displayName = try Self.normalize(displayName: displayName)
        if try await store.user(named: username) != nil {
            throw SwitchboardError.conflict("user_exists", "a user named '\(username)' already exists")
        }
        let user = UserAccount(username: username, displayName: displayName, role: role, passwordHash: try await hash(password))
        try await store.createUser(user)
        return user
    }

    /// Replaces a user's password and ends the user's login sessions, all but `keepingSession`
    /// (the session of the user changing their own password), so whoever knew the old password
    /// is logged out. API tokens stay: they are separate secrets, listed and deleted on their own.
    package func setPassword(username: String, password: String, keepingSession: String? = nil) async throws {
        try Self.validate(password: password, username: username)
        guard var user = try await store.user(named: username) else {
            throw SwitchboardError.notFound("unknown_user", "no user named '\(username)'")
        }
        user.passwordHash = try await hash(password)
        try await store.updateUser(user)
        try await store.deleteSessions(username: username, keeping: keepingSession)
    }

    /// Gives a user another role: the one rule for the admin page, `PATCH /api/v1/users/{name}`
    /// and `switchboard users role`. `actor` (the admin asking; `nil` for the CLI) may not change
    /// their own role, as they cannot delete themselves, and the last admin is never made a
    /// user, so the hub always keeps an admin.
    @discardableResult
    package func setRole(username: String, role: UserAccount.Role, by actor: String?) async throws -> UserAccount {
        guard username != actor else {
            throw SwitchboardError.conflict("cannot_change_own_role", "you cannot change your own role; ask another admin")
        }
        guard var user = try await store.user(named: username) else {
            throw SwitchboardError.notFound("unknown_user", "no user named '\(username)'")
        }
        guard user.role != role else { return user }
        if user.role == .admin, try await store.adminCount() < 2 {
            throw SwitchboardError.conflict("last_admin", "'\(username)' is the only admin; make another user admin first")
        }
        user.role = role
        try await store.updateUser(user)
        return user
    }

    /// The role named `name`, or `invalid_role` listing the roles there are.
    package static func role(named name: String) throws -> UserAccount.Role {
        guard let role = UserAccount.Role(rawValue: name) else {
            throw SwitchboardError.invalid("invalid_role", "role must be one of \(UserAccount.Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return role
    }

    /// The user if the password is theirs, else `nil`. An unknown name costs as much as a
    /// wrong password (a dummy hash is checked), so timing does not tell which names exist.
    /// A password bcrypt could not check whole (over 72 bytes, or with a NUL) is never
    /// theirs: no such password can be set, and bcrypt would compare only its first part.
    package func verify(username: String, password: String) async throws -> UserAccount? {
        guard PasswordPolicy.unverifiable(password) == nil else { return nil }
        let user = Username.isValid(username) ? try await store.user(named: username) : nil
        let stored = user?.passwordHash
        let cost = bcryptCost
        let matches = try await NIOThreadPool.singleton.runIfActive {
            Bcrypt.verify(password, hash: stored ?? Self.dummyHash(cost: cost))
        }
        guard let user, matches else { return nil }
        return user
    }

    /// If no admin exists yet, creates one: with `password` if given (empty counts as unset), else a generated
    /// one returned so the caller prints it once. Safe to call at every start.
    package func bootstrapAdmin(username: String, password: String?) async throws -> AdminBootstrap {
        // Users added with the CLI before the first start are not admins: the hub still needs one.
        guard try await store.adminCount() == 0 else { return .alreadyExists }
        let password = password.flatMap { $0.isEmpty ? nil : $0 }
        let chosen = password ?? Secrets.make(byteCount: 18)
        do {
            try await createUser(username: username, password: chosen, role: .admin)
        } catch let error as SwitchboardError where error.kind == .conflict {
            // Another process bootstrapped in between.
            return .alreadyExists
        }
        return .created(generatedPassword: password == nil ? chosen : nil)
    }

    func hash(_ password: String) async throws -> String {
        let cost = bcryptCost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    static func validate(username: String) throws {
        guard Username.isValid(username) else {
            throw SwitchboardError.invalid("invalid_username", "username must be 1-64 characters of a-z, 0-9, '.', '_' or '-'")
        }
    }

    static func validate(password: String, username: String) throws {
        if let problem = PasswordPolicy.problem(password: password, username: username) { throw problem }
    }

    static func normalize(displayName: String?) throws -> String? {
        guard let name = displayName?.trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty else { return nil }
        guard displayName?.unicodeScalars.count ?? 0 <= 200, !name.contains(where: { $0.isNewline }) else {
            throw SwitchboardError.invalid("invalid_display_name", "display name must be one line of at most 200 characters")
        }
        return name
    }

    /// One hash per cost, made on first use, to verify against when the user does not exist.
    private static let dummyHashes = NIOLockedValueBox<[UInt8: String]>([:])
    static func dummyHash(cost: UInt8) -> String {
        if let hash = dummyHashes.withLockedValue({ $0[cost] }) { return hash }
        let hash = Bcrypt.hash(Secrets.make(), cost: cost)
        return dummyHashes.withLockedValue { cache in
            if let existing = cache[cost] { return existing }
            cache[cost] = hash
            return hash
        }
    }
}

/// What `Accounts.bootstrapAdmin` did, so the CLI knows whether to print a password.
package enum AdminBootstrap: Sendable, Equatable {
    /// An admin exists already; nothing was changed.
    case alreadyExists
    /// The admin was created; `generatedPassword` is set when none was supplied.
    case created(generatedPassword: String?)
}
