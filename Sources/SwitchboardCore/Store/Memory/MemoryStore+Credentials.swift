import Foundation

// Login sessions and API tokens in memory, kept by the hashes of their secrets; each belongs
// to an existing user and goes with it.
extension MemoryStore: CredentialStore {
    package func createSession(tokenHash: String, username: String, expiresAt: Date) async throws {
        try withState { state in
            guard state.sessions[tokenHash] == nil else {
                throw SwitchboardError.conflict("session_exists", "a session with this token already exists")
            }
            guard state.users[username] != nil else { throw State.unknownUser(username) }
            state.sessions[tokenHash] = StoredSession(username: username, expiresAt: expiresAt)
        }
    }

    package func sessionUser(tokenHash: String, now: Date) async throws -> String? {
        try withState { state in
            guard let session = state.sessions[tokenHash] else { return nil }
            guard session.expiresAt <= now else { return session.username }
            state.sessions[tokenHash] = nil
            return nil
        }
    }

    package func deleteSession(tokenHash: String) async throws {
        try withState { state in state.sessions[tokenHash] = nil }
    }

    package func renewSession(tokenHash: String, now: Date, ttl: TimeInterval) async throws -> Date? {
        try withState { state in
            guard let session = state.sessions[tokenHash], session.expiresAt > now,
                session.expiresAt.timeIntervalSince(now) < ttl / 2
            else { return nil }
            let renewed = now.addingTimeInterval(ttl)
            state.sessions[tokenHash]?.expiresAt = renewed
            return renewed
        }
    }

    @discardableResult
    package func deleteSessions(username: String, keeping: String?) async throws -> Int {
        try withState { state in
            let before = state.sessions.count
            state.sessions = state.sessions.filter { hash, session in session.username != username || hash == keeping }
            return before - state.sessions.count
        }
    }

    package func createToken(_ token: APIToken) async throws {
        try withState { state in
            guard state.tokens[token.id] == nil, state.tokenIDByHash[token.tokenHash] == nil else {
                throw SwitchboardError.conflict("token_exists", "token \(token.id) already exists")
            }
            guard state.users[token.username] != nil else { throw State.unknownUser(token.username) }
            state.tokens[token.id] = token
            state.tokenIDByHash[token.tokenHash] = token.id
        }
    }

    package func token(tokenHash: String) async throws -> APIToken? {
        try withState { state in state.tokenIDByHash[tokenHash].flatMap { state.tokens[$0] } }
    }

    package func tokens(username: String) async throws -> [APIToken] {
        try withState { state in
            state.tokens.values
                .filter { $0.username == username }
                .sorted { a, b in a.createdAt != b.createdAt ? a.createdAt < b.createdAt : a.id.precedesInBinaryOrder(b.id) }
        }
    }

    package func tokens(username: String, limit: Int, after cursor: String?) async throws -> TokenPage {
        let cursor = try cursor.map { text throws(SwitchboardError) in try TokenCursor(parsing: text) }
        guard limit > 0 else { return TokenPage(tokens: [], nextCursor: nil) }
        let rows = try await tokens(username: username).filter { token in
            cursor?.precedes(created: token.createdAt.timeIntervalSince1970, id: token.id) ?? true
        }
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.map { TokenCursor(created: $0.createdAt.timeIntervalSince1970, id: $0.id).text } : nil
        return TokenPage(tokens: page, nextCursor: next)
    }

    package func deleteToken(id: String, username: String) async throws -> Bool {
        try withState { state in
            guard let token = state.tokens[id], token.username == username else { return false }
            state.tokens[id] = nil
            state.tokenIDByHash[token.tokenHash] = nil
            return true
        }
    }
}
