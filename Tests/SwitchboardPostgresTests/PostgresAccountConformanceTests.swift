import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

@testable import SwitchboardPostgres

/// The accounts part of the conformance suites (users, contacts, groups, sessions, tokens)
/// against a real PostgreSQL, one test per check; every store is a fresh schema.
@Suite("PostgresStore conformance: accounts", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresAccountConformanceTests {
    @Test(arguments: AccountStoreConformance.Check.allCases)
    func check(_ check: AccountStoreConformance.Check) async throws {
        try await PostgresTestDatabase.withHarness { harness in
            try await AccountStoreConformance { try await harness.makeStore() }.run(check)
        }
    }

    /// Two nodes on one database: a session made through one works on the other at once, and
    /// one ended (logout, password change) or renewed on either is so on both: nothing about
    /// a login is kept per node.
    @Test func aLoginOnOneNodeWorksOnTheOther() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let schema = try await harness.makeSchema()
            let a = try harness.makeUnmigratedStore(schema: schema)
            let b = try harness.makeUnmigratedStore(schema: schema)
            try await a.migrate()
            let t0 = Date(timeIntervalSince1970: 1_800_000_000)
            try await a.createUser(UserAccount(username: "alice", role: .user, passwordHash: "$2b$12$x", createdAt: t0))
            try await a.createSession(tokenHash: "s1", username: "alice", expiresAt: t0.addingTimeInterval(100))
            try await a.createSession(tokenHash: "s2", username: "alice", expiresAt: t0.addingTimeInterval(100))
            #expect(try await b.sessionUser(tokenHash: "s1", now: t0) == "alice", "made on A, used on B")
            #expect(try await b.requestUser(named: "alice")?.username == "alice")

            let renewed = try await b.renewSession(tokenHash: "s1", now: t0.addingTimeInterval(60), ttl: 100)
            #expect(renewed.map { $0.timeIntervalSince(t0).rounded() } == 160)
            #expect(try await a.sessionUser(tokenHash: "s1", now: t0.addingTimeInterval(150)) == "alice", "renewed on B, live on A")

            try await a.deleteSession(tokenHash: "s1")
            #expect(try await b.sessionUser(tokenHash: "s1", now: t0) == nil, "logged out on A, refused on B")
            #expect(try await b.sessionUser(tokenHash: "s2", now: t0) == "alice")
            try await b.deleteSessions(username: "alice", keeping: nil)
            #expect(try await a.sessionUser(tokenHash: "s2", now: t0) == nil, "ended on B, refused on A")

            try await a.createToken(APIToken(username: "alice", name: "ci", tokenHash: "t1", createdAt: t0))
            #expect(try await b.tokenUser(tokenHash: "t1") == "alice")
            var promoted = try #require(try await a.user(named: "alice"))
            promoted.role = .admin
            try await a.updateUser(promoted)
            #expect(try await b.requestUser(named: "alice")?.role == .admin, "a role changed on A shows on B at once")
        }
    }
}
