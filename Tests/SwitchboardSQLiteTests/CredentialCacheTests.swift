import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardSQLite

/// The credential cache: this process's changes apply at once; another process's within the TTL.
@Suite("SQLiteStore credential cache")
struct CredentialCacheTests {
    func open(_ path: String, ttl: TimeInterval) throws -> SQLiteStore {
        try SQLiteStore(configuration: .init(path: path + "/switchboard.sqlite", credentialCacheTTL: ttl))
    }

    @Test func ownChangesApplyAtOnce() async throws {
        let scratch = try ScratchDirectory()
        let directory = scratch.newStorePath()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = try open(directory, ttl: 3600)
        try await store.createUser(UserAccount(username: "alice", role: .user, passwordHash: "h"))
        let token = APIToken(username: "alice", name: "ci", tokenHash: "h-ci")
        try await store.createToken(token)
        try await store.createSession(tokenHash: "h-s", username: "alice", expiresAt: Date() + 3600)

        #expect(try await store.tokenUser(tokenHash: "h-ci") == "alice")
        #expect(try await store.sessionUser(tokenHash: "h-s", now: Date()) == "alice")
        #expect(try await store.requestUser(named: "alice")?.role == .user)

        var promoted = try #require(try await store.user(named: "alice"))
        promoted.role = .admin
        try await store.updateUser(promoted)
        #expect(try await store.requestUser(named: "alice")?.role == .admin, "a role change applies to the next request")
        #expect(try await store.deleteToken(id: token.id, username: "alice"))
        #expect(try await store.tokenUser(tokenHash: "h-ci") == nil, "a deleted token stops working at once")
        try await store.deleteSession(tokenHash: "h-s")
        #expect(try await store.sessionUser(tokenHash: "h-s", now: Date()) == nil, "a logout ends the session at once")
        _ = consume scratch
    }

    @Test func aCachedSessionStillExpiresOnTime() async throws {
        let store = try SQLiteStore.inMemory()
        try await store.createUser(UserAccount(username: "alice", role: .user, passwordHash: "h"))
        let expiry = Date() + 60
        try await store.createSession(tokenHash: "h-s", username: "alice", expiresAt: expiry)
        #expect(try await store.sessionUser(tokenHash: "h-s", now: Date()) == "alice")
        #expect(try await store.sessionUser(tokenHash: "h-s", now: expiry + 1) == nil)
    }

    @Test func anotherProcessesChangesAreSeenWithinTheTTL() async throws {
        let scratch = try ScratchDirectory()
        let directory = scratch.newStorePath()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cached = try open(directory, ttl: 3600)
        let uncached = try open(directory, ttl: 0)
        let other = try open(directory, ttl: 0)  // stands for the CLI: its own connection to the file
        try await other.createUser(UserAccount(username: "alice", role: .user, passwordHash: "h"))
        let token = APIToken(username: "alice", name: "ci", tokenHash: "h-ci")
        try await other.createToken(token)
        #expect(try await cached.tokenUser(tokenHash: "h-ci") == "alice", "a token made elsewhere works at once")
        #expect(try await uncached.tokenUser(tokenHash: "h-ci") == "alice")

        #expect(try await other.deleteToken(id: token.id, username: "alice"))
        #expect(try await uncached.tokenUser(tokenHash: "h-ci") == nil, "without a cache the deletion is seen at once")
        #expect(try await cached.tokenUser(tokenHash: "h-ci") == "alice", "within the TTL the cached answer stands")

        // A password changed elsewhere is checked fresh at the next login, cache or not.
        #expect(try await cached.requestUser(named: "alice")?.passwordHash == "h")
        var changed = try #require(try await other.user(named: "alice"))
        changed.passwordHash = "h2"
        try await other.updateUser(changed)
        #expect(try await cached.user(named: "alice")?.passwordHash == "h2", "user(named:) always reads")
        _ = consume scratch
    }
}
