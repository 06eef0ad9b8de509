import Foundation
import PostgresNIO
import SwitchboardCore

/// Login sessions and API tokens, kept only as hashes, shared by every node: a session made
/// through one node works on the others, and one ended on any node is ended on all, because
/// nothing is cached per node (the SQLite store's credential cache is right for one process,
/// wrong for several). A request costs one indexed read; a renewal is one conditional update.
extension PostgresStore: CredentialStore {
    package func createSession(tokenHash: String, username: String, expiresAt: Date) async throws {
        do {
            try await changes(
                "INSERT INTO sessions (token_hash, username, expires_at) VALUES (\(tokenHash), \(username), \(expiresAt))"
            )
        } catch  where isForeignKeyViolation(error) {
            throw Self.unknownUser(username)
        } catch  where isUniqueViolation(error) {
            throw SwitchboardError.conflict("session_exists", "a session with this token already exists")
        }
    }

    package func sessionUser(tokenHash: String, now: Date) async throws -> String? {
        guard let row = try await rows("SELECT username, expires_at FROM sessions WHERE token_hash = \(tokenHash)").first else {
            return nil
        }
        guard try row["expires_at"].decode(Date.self) <= now else { return try row["username"].decode(String.self) }
        // Only an expired session costs a write.
        try await changes("DELETE FROM sessions WHERE token_hash = \(tokenHash) AND expires_at <= \(now)")
        return nil
    }

    package func deleteSession(tokenHash: String) async throws {
        try await changes("DELETE FROM sessions WHERE token_hash = \(tokenHash)")
    }

    package func renewSession(tokenHash: String, now: Date, ttl: TimeInterval) async throws -> Date? {
        // One statement: live, with less than half of `ttl` left (two nodes renewing at once
        // both succeed, to the same expiry give or take their clocks).
        let renewed = now.addingTimeInterval(ttl)
        let halfLeft = now.addingTimeInterval(ttl / 2)
        return try await rows(
            """
            UPDATE sessions SET expires_at = \(renewed)
            WHERE token_hash = \(tokenHash) AND expires_at > \(now) AND expires_at < \(halfLeft)
            RETURNING expires_at
            """
        )
        .first.map { try $0["expires_at"].decode(Date.self) }
    }

    @discardableResult
    package func deleteSessions(username: String, keeping: String?) async throws -> Int {
        try await changes("DELETE FROM sessions WHERE username = \(username) AND token_hash IS DISTINCT FROM \(keeping)")
    }

    package func createToken(_ token: APIToken) async throws {
        do {
            try await changes(
                """
                INSERT INTO api_tokens (id, username, name, token_hash, created_at, scopes)
                VALUES (\(token.id), \(token.username), \(token.name), \(token.tokenHash), \(token.createdAt), \(token.scopes.map(TokenScope.text)))
                """
            )
        } catch  where isForeignKeyViolation(error) {
            throw Self.unknownUser(token.username)
        } catch  where isUniqueViolation(error) {
            throw SwitchboardError.conflict("token_exists", "token \(token.id) already exists")
        }
    }

    /// Read every time, never cached (a token deleted on one node stops working on all at once).
    package func token(tokenHash: String) async throws -> APIToken? {
        try await rows("SELECT \(unescaped: DirectoryRecords.tokenColumns) FROM api_tokens WHERE token_hash = \(tokenHash)")
            .first.map(DirectoryRecords.token)
    }

    package func tokens(username: String) async throws -> [APIToken] {
        try await rows(
            "SELECT \(unescaped: DirectoryRecords.tokenColumns) FROM api_tokens WHERE username = \(username) ORDER BY created_at, id COLLATE \"C\""
        )
        .map(DirectoryRecords.token)
    }

    /// Oldest first, ties by id in byte order; the cursor compares the creation time as seconds
    /// computed by the server (as the dead letters' cursor does), so it matches what it read.
    package func tokens(username: String, limit: Int, after cursor: String?) async throws -> TokenPage {
        let cursor = try cursor.map { text throws(SwitchboardError) in try TokenCursor(parsing: text) }
        guard limit > 0 else { return TokenPage(tokens: [], nextCursor: nil) }
        var b = QueryBuilder()
        var filter = "username = \(b.bind(username))"
        if let cursor {
            let created = b.bind(cursor.created)
            filter += """
                 AND (extract(epoch FROM created_at)::float8 > \(created)
                 OR (extract(epoch FROM created_at)::float8 = \(created) AND id COLLATE "C" > \(b.bind(cursor.id)) COLLATE "C"))
                """
        }
        let sql = """
            SELECT \(DirectoryRecords.tokenColumns), extract(epoch FROM created_at)::float8 AS created_epoch FROM api_tokens
            WHERE \(filter) ORDER BY created_at, id COLLATE "C" LIMIT \(b.bind(Int64(limit + 1)))
            """
        let rows = try await rows(b.query(sql))
        let page = rows.prefix(limit)
        let tokens = try page.map(DirectoryRecords.token)
        guard rows.count > limit, let last = page.last else { return TokenPage(tokens: tokens, nextCursor: nil) }
        let place = TokenCursor(created: try last["created_epoch"].decode(Double.self), id: try last["id"].decode(String.self))
        return TokenPage(tokens: tokens, nextCursor: place.text)
    }

    package func deleteToken(id: String, username: String) async throws -> Bool {
        try await changes("DELETE FROM api_tokens WHERE id = \(id) AND username = \(username)") > 0
    }
}
