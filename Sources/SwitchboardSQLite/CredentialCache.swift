import Foundation
import SwitchboardCore
import Synchronization

/// What every API request looks up to learn who is asking (token or session → user name →
/// account; a token with its scopes), kept in memory for a few seconds so an authenticated request costs no database
/// read.
///
/// Correctness first: this process's own changes take effect at once, because every store
/// method that ends or changes a credential or a user drops what it could affect before it
/// returns. Only changes made by *another* process on the same database (the `switchboard
/// users` CLI) can take up to `ttl` to be seen. Only hits are kept: an unknown token is read
/// again every time, so a credential created elsewhere works at once. A session's own
/// expiry is checked against the clock on every hit.
final class CredentialCache: Sendable {
    private enum Value: Sendable {
        case token(APIToken)
        case session(username: String, expiresAt: Double)
        case user(UserAccount)
    }
    private struct Entry: Sendable {
        var value: Value
        var fetchedAt: ContinuousClock.Instant
    }

    let ttl: Duration
    /// Entries kept; beyond it the older half is dropped (crude, but memory stays bounded).
    let capacity: Int
    /// Keyed `t:HASH`, `s:HASH`, `u:NAME`.
    private let entries = Mutex<[String: Entry]>([:])

    init(ttl: TimeInterval, capacity: Int = 10_000) {
        self.ttl = .milliseconds(Int64(max(0, ttl) * 1000))
        self.capacity = capacity
    }

    var isEnabled: Bool { ttl > .zero }

    func token(_ hash: String) -> APIToken? {
        if case .token(let token) = lookUp("t:" + hash) { return token }
        return nil
    }

    func session(_ hash: String) -> (username: String, expiresAt: Double)? {
        if case .session(let username, let expiresAt) = lookUp("s:" + hash) { return (username, expiresAt) }
        return nil
    }

    func user(_ name: String) -> UserAccount? {
        if case .user(let user) = lookUp("u:" + name) { return user }
        return nil
    }

    func store(token: APIToken) { put("t:" + token.tokenHash, .token(token)) }
    func store(session hash: String, username: String, expiresAt: Double) {
        put("s:" + hash, .session(username: username, expiresAt: expiresAt))
    }
    func store(user: UserAccount) { put("u:" + user.username, .user(user)) }

    func forget(session hash: String) { entries.withLock { _ = $0.removeValue(forKey: "s:" + hash) } }

    /// After a token was deleted (known by id, not hash) or a user changed or went: everything.
    func forgetAll() { entries.withLock { $0.removeAll() } }

    private func lookUp(_ key: String) -> Value? {
        guard isEnabled else { return nil }
        let now = ContinuousClock.now
        let ttl = self.ttl
        return entries.withLock { e -> Value? in
            guard let entry = e[key] else { return nil }
            guard now - entry.fetchedAt < ttl else {
                e.removeValue(forKey: key)
                return nil
            }
            return entry.value
        }
    }

    private func put(_ key: String, _ value: Value) {
        guard isEnabled else { return }
        let entry = Entry(value: value, fetchedAt: .now)
        let capacity = self.capacity
        entries.withLock { e in
            if e.count >= capacity {
                let older = e.sorted { $0.value.fetchedAt < $1.value.fetchedAt }.prefix(capacity / 2).map(\.key)
                for k in older { e.removeValue(forKey: k) }
            }
            e[key] = entry
        }
    }
}
