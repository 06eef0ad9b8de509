import Foundation
import GRDB
import SwitchboardCore

extension SQLiteStore {
    package func createSession(tokenHash: String, username: String, expiresAt: Date) async throws {
        let constraintError: (DatabaseError) -> SwitchboardError? = { error in
            if error.isForeignKeyViolation { return Self.unknownUser(username) }
            return error.isDuplicate ? .conflict("session_exists", "a session with this token already exists") : nil
        }
        try await write(mapConstraint: constraintError) { db in
            try db.execute(
                sql: "INSERT INTO sessions (token_hash, username, expires_at) VALUES (?, ?, ?)",
                arguments: [tokenHash, username, SQLDate.encode(expiresAt)]
            )
        }
    }

    package func sessionUser(tokenHash: String, now: Date) async throws -> String? {
        // Checked on every request: from the cache, else a plain read; only an expired
        // session costs a write.
        guard let session = try await session(tokenHash) else { return nil }
        let nowValue = SQLDate.encode(now)
        guard session.expiresAt <= nowValue else { return session.username }
        credentialCache.forget(session: tokenHash)
        try await write { db in
            try db.execute(
                sql: "DELETE FROM sessions WHERE token_hash = ? AND expires_at <= ?",
                arguments: [tokenHash, nowValue]
            )
        }
        return nil
    }

    /// A session's user and expiry (encoded), from the credential cache, else read and cached.
    private func session(_ tokenHash: String) async throws -> (username: String, expiresAt: Double)? {
        if let cached = credentialCache.session(tokenHash) { return cached }
        let session: (username: String, expiresAt: Double)? = try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT username, expires_at FROM sessions WHERE token_hash = ?", arguments: [tokenHash]) else {
                return nil
            }
            return (try row.decode(forColumn: "username"), try row.decode(forColumn: "expires_at"))
        }
        if let session { credentialCache.store(session: tokenHash, username: session.username, expiresAt: session.expiresAt) }
        return session
    }

    package func deleteSession(tokenHash: String) async throws {
        credentialCache.forget(session: tokenHash)
        try await write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE token_hash = ?", arguments: [tokenHash])
        }
        credentialCache.forget(session: tokenHash)
    }

    package func renewSession(tokenHash: String, now: Date, ttl: TimeInterval) async throws -> Date? {
        let nowValue = SQLDate.encode(now)
        guard let session = try await session(tokenHash), session.expiresAt > nowValue, session.expiresAt - nowValue < ttl / 2 else { return nil }
        let renewed = SQLDate.normalize(now.addingTimeInterval(ttl))
        let updated = try await write { db in
            try db.execute(
                sql: "UPDATE sessions SET expires_at = ? WHERE token_hash = ? AND expires_at > ?",
                arguments: [SQLDate.encode(renewed), tokenHash, nowValue]
            )
            return db.changesCount > 0
        }
        guard updated else {
            credentialCache.forget(session: tokenHash)
            return nil
        }
        credentialCache.store(session: tokenHash, username: session.username, expiresAt: SQLDate.encode(renewed))
        return renewed
    }

    @discardableResult
    package func deleteSessions(username: String, keeping: String?) async throws -> Int {
        let ended = try await write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE username = ? AND token_hash IS NOT ?", arguments: [username, keeping])
            return db.changesCount
        }
        // The cache knows sessions by hash, not by user: forget them all (cheap to refill).
        credentialCache.forgetAll()
        return ended
    }

    package func createToken(_ token: APIToken) async throws {
        let constraintError: (DatabaseError) -> SwitchboardError? = { error in
            if error.isForeignKeyViolation { return Self.unknownUser(token.username) }
            return error.isDuplicate ? .conflict("token_exists", "token \(token.id) already exists") : nil
        }
        try await write(mapConstraint: constraintError) { db in try TokenRow(token).insert(db) }
    }

    package func token(tokenHash: String) async throws -> APIToken? {
        if let cached = credentialCache.token(tokenHash) { return cached }
        let token = try await read { db in
            try TokenRow.filter(Column("token_hash") == tokenHash).fetchOne(db)?.token
        }
        if let token { credentialCache.store(token: token) }
        return token
    }

    package func tokens(username: String) async throws -> [APIToken] {
        try await read { db in
            try TokenRow
                .filter(Column("username") == username)
                .order(Column("created_at"), Column("id"))
                .fetchAll(db)
                .map(\.token)
        }
    }

    /// A range of `api_tokens_user_created` (user, creation time, id), one row beyond the page.
    package func tokens(username: String, limit: Int, after cursor: String?) async throws -> TokenPage {
        let cursor = try cursor.map { text throws(SwitchboardError) in try TokenCursor(parsing: text) }
        guard limit > 0 else { return TokenPage(tokens: [], nextCursor: nil) }
        return try await read { db in
            var request = TokenRow.filter(Column("username") == username)
            if let cursor { request = request.filter(sql: "(created_at, id) > (?, ?)", arguments: [cursor.created, cursor.id]) }
            let rows = try request.order(Column("created_at"), Column("id")).limit(limit + 1).asRequest(of: Row.self).fetchAll(db)
            let page = rows.prefix(limit)
            let tokens = try page.map { try TokenRow(row: $0).token }
            guard rows.count > limit, let last = page.last else { return TokenPage(tokens: tokens, nextCursor: nil) }
            let place = TokenCursor(created: try last.decode(forColumn: "created_at"), id: try last.decode(forColumn: "id"))
            return TokenPage(tokens: tokens, nextCursor: place.text)
        }
    }

    package func deleteToken(id: String, username: String) async throws -> Bool {
        let deleted = try await write { db in
            try db.execute(sql: "DELETE FROM api_tokens WHERE id = ? AND username = ?", arguments: [id, username])
            return db.changesCount > 0
        }
        // Known here by id, not by hash: forget every cached credential (cheap to refill).
        credentialCache.forgetAll()
        return deleted
    }
}
