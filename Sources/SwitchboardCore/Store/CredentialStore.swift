import Foundation

/// Login sessions and API tokens, kept only as hashes of the secrets.
package protocol CredentialStore: Sendable {
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
    /// The token with this hash (its user and scopes); a store may answer from its
    /// credential cache, as for `requestUser`.
    func token(tokenHash: String) async throws -> APIToken?
    /// The account behind an authenticated request. A store may answer from a short-lived
    /// cache (changes made by another process, such as a role changed by the CLI, then show
    /// within seconds); its own changes show at once. Never use it to check a password:
    /// `user(named:)` always reads.
    func requestUser(named username: String) async throws -> UserAccount?
    func tokens(username: String) async throws -> [APIToken]
    /// At most `limit` of one user's tokens, oldest first (ties by id in byte order), after
    /// `cursor` (a `TokenPage`'s `nextCursor`; one the store did not make is
    /// `invalid/invalid_cursor`).
    func tokens(username: String, limit: Int, after cursor: String?) async throws -> TokenPage
    func deleteToken(id: String, username: String) async throws -> Bool
}

extension CredentialStore where Self: DirectoryStore {
    package func requestUser(named username: String) async throws -> UserAccount? { try await user(named: username) }
}

extension CredentialStore {
    /// The user a token belongs to.
    package func tokenUser(tokenHash: String) async throws -> String? { try await token(tokenHash: tokenHash)?.username }
}
