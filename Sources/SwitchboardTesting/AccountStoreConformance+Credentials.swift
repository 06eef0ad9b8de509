import Foundation
import SwitchboardCore

// Login sessions and API tokens.
extension AccountStoreConformance {
    /// A session answers until it expires, and not after; deleted sessions are gone.
    package func sessionsExpire() async throws {
        let store = try await makeStore()
        try await store.createUser(StoreFixture.user("alice"))
        try await store.createSession(tokenHash: "s1", username: "alice", expiresAt: StoreFixture.at(60))
        try await store.createSession(tokenHash: "s2", username: "alice", expiresAt: StoreFixture.at(3600))

        try expectEqual(try await store.sessionUser(tokenHash: "s1", now: StoreFixture.t0), "alice", "a live session")
        try expectEqual(try await store.sessionUser(tokenHash: "s1", now: StoreFixture.at(59)), "alice", "still live")
        try expectEqual(try await store.sessionUser(tokenHash: "s1", now: StoreFixture.at(61)), nil, "an expired session")
        try expectEqual(try await store.sessionUser(tokenHash: "s2", now: StoreFixture.at(61)), "alice", "the other session lives")
        try expectEqual(try await store.sessionUser(tokenHash: "nope", now: StoreFixture.t0), nil, "an unknown session")

        try await store.deleteSession(tokenHash: "s2")
        try expectEqual(try await store.sessionUser(tokenHash: "s2", now: StoreFixture.t0), nil, "a deleted session")
        try await store.deleteSession(tokenHash: "s2")
        try await expectError(.notFound, "unknown_user", "a session needs an existing user") {
            try await store.createSession(tokenHash: "s3", username: "ghost", expiresAt: StoreFixture.at(60))
        }
    }

    /// A session in use lives `ttl` past its last use: renewed once less than half remains.
    package func sessionsInUseAreRenewed() async throws {
        let store = try await makeStore()
        try await store.createUser(StoreFixture.user("alice"))
        try await store.createSession(tokenHash: "s1", username: "alice", expiresAt: StoreFixture.at(100))
        try expectEqual(
            try await store.renewSession(tokenHash: "s1", now: StoreFixture.at(10), ttl: 100),
            nil,
            "more than half the lifetime left: no write"
        )
        let renewed = try await store.renewSession(tokenHash: "s1", now: StoreFixture.at(60), ttl: 100)
        try expectEqual(renewed.map { $0.timeIntervalSince(StoreFixture.t0).rounded() }, 160, "renewed to now + ttl")
        try expectEqual(try await store.sessionUser(tokenHash: "s1", now: StoreFixture.at(150)), "alice", "alive past its first expiry")
        try expectEqual(try await store.sessionUser(tokenHash: "s1", now: StoreFixture.at(161)), nil, "and gone a ttl after its last use")
        try expectEqual(try await store.renewSession(tokenHash: "s1", now: StoreFixture.at(170), ttl: 100), nil, "an expired session is not revived")
        try expectEqual(try await store.renewSession(tokenHash: "nope", now: StoreFixture.at(10), ttl: 100), nil, "an unknown session")
    }

    /// A password change ends the user's other sessions, and nobody else's.
    package func passwordChangeEndsOtherSessions() async throws {
        let store = try await makeStore()
        try await store.createUser(StoreFixture.user("alice"))
        try await store.createUser(StoreFixture.user("bob"))
        for hash in ["a1", "a2", "a3"] { try await store.createSession(tokenHash: hash, username: "alice", expiresAt: StoreFixture.at(3600)) }
        try await store.createSession(tokenHash: "b1", username: "bob", expiresAt: StoreFixture.at(3600))
        // Read once, so that a store with a cache has them cached.
        for hash in ["a1", "a2", "a3", "b1"] { _ = try await store.sessionUser(tokenHash: hash, now: StoreFixture.t0) }

        try expectEqual(try await store.deleteSessions(username: "alice", keeping: "a2"), 2, "two of alice's sessions ended")
        try expectEqual(try await store.sessionUser(tokenHash: "a1", now: StoreFixture.t0), nil, "an ended session")
        try expectEqual(try await store.sessionUser(tokenHash: "a3", now: StoreFixture.t0), nil, "an ended session")
        try expectEqual(try await store.sessionUser(tokenHash: "a2", now: StoreFixture.t0), "alice", "the kept session")
        try expectEqual(try await store.sessionUser(tokenHash: "b1", now: StoreFixture.t0), "bob", "another user's session")
        try expectEqual(try await store.deleteSessions(username: "alice", keeping: nil), 1, "keeping none ends the last")
        try expectEqual(try await store.sessionUser(tokenHash: "a2", now: StoreFixture.t0), nil, "no session of alice is left")
    }

    /// Tokens are listed per user and only their owner may delete them.
    package func tokensBelongToTheirUser() async throws {
        let store = try await makeStore()
        try await store.createUser(StoreFixture.user("alice"))
        try await store.createUser(StoreFixture.user("bob"))
        let ci = APIToken(username: "alice", name: "ci", tokenHash: "h-ci", createdAt: StoreFixture.t0)
        let grafana = APIToken(username: "alice", name: "grafana", tokenHash: "h-grafana", createdAt: StoreFixture.at(1))
        let bobs = APIToken(username: "bob", name: "laptop", tokenHash: "h-bob", createdAt: StoreFixture.t0)
        for token in [ci, grafana, bobs] { try await store.createToken(token) }

        let alices = try await store.tokens(username: "alice")
        try expectEqual(alices.map(\.ms).sorted { $0.name < $1.name }, [ci.ms, grafana.ms], "alice's tokens, every field")
        try expectEqual(try await store.tokens(username: "bob").map(\.id), [bobs.id], "bob's token")
        try expectEqual(try await store.tokenUser(tokenHash: "h-bob"), "bob", "a token hash finds its user")
        try expectEqual(try await store.tokenUser(tokenHash: "h-none"), nil, "an unknown hash finds nobody")

        try expectEqual(try await store.deleteToken(id: ci.id, username: "bob"), false, "bob cannot delete alice's token")
        try expectEqual(try await store.tokenUser(tokenHash: "h-ci"), "alice", "the token still works")
        try expectEqual(try await store.deleteToken(id: ci.id, username: "alice"), true, "alice deletes her token")
        try expectEqual(try await store.tokenUser(tokenHash: "h-ci"), nil, "a deleted token finds nobody")
        try expectEqual(try await store.tokens(username: "alice").map(\.id), [grafana.id], "her other token stays")
        try expectEqual(try await store.deleteToken(id: ci.id, username: "alice"), false, "deleting it again finds nothing")
    }

    /// A token's scopes come back as they were stored, from the look-up by hash and the
    /// listing; a token without scopes (made before there were any) stays without.
    package func tokensKeepTheirScopes() async throws {
        let store = try await makeStore()
        try await store.createUser(StoreFixture.user("alice"))
        let widget = APIToken(
            username: "alice",
            name: "widget",
            tokenHash: "h-widget",
            createdAt: StoreFixture.t0,
            scopes: [.inboxRead]
        )
        let script = APIToken(
            username: "alice",
            name: "script",
            tokenHash: "h-script",
            createdAt: StoreFixture.at(1),
            scopes: [.messagesSend, .directoryRead, .account]
        )
        let old = APIToken(username: "alice", name: "old", tokenHash: "h-old", createdAt: StoreFixture.at(2))
        for token in [widget, script, old] { try await store.createToken(token) }

        try expectEqual(try await store.token(tokenHash: "h-widget")?.scopes, [.inboxRead], "one scope")
        try expectEqual(try await store.token(tokenHash: "h-widget")?.scopes, [.inboxRead], "again (a cache answers the same)")
        try expectEqual(try await store.token(tokenHash: "h-script")?.scopes, [.messagesSend, .directoryRead, .account], "several scopes")
        try expectEqual(try await store.token(tokenHash: "h-old").map { $0.scopes == nil }, true, "no scopes stays no scopes")
        try expectEqual(try await store.token(tokenHash: "h-none")?.id, nil, "an unknown hash")
        let listed = try await store.tokens(username: "alice").sorted { $0.name < $1.name }
        try expectEqual(listed.map(\.scopes), [nil, script.scopes, widget.scopes], "the listing keeps them")
    }
}
