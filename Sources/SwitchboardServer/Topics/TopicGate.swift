import Foundation
import HTTPTypes
import Hummingbird
import SwitchboardCore

/// Decides, before a WebSocket upgrade, whether a client may open a topic: a known
/// credential (bearer header, `token` query parameter for browsers, or the session cookie),
/// an acceptable `Origin`, the topic's read rule, and filters that parse. A refused client
/// never gets a socket; the same checks then answer its plain HTTP request with the reason.
struct TopicGate: Sendable {
    let store: any HubStore

    struct Admission: Sendable {
        var topic: TopicDefinition
        var principal: TopicPrincipal?
        var query: TopicQuery
        /// How the client logged in, checked again at every ping (see `stillValid`).
        var credential: SwitchboardRequestContext.Credential?
    }

    /// - Parameter scheme: how clients reach the hub (`http`, or `https` behind TLS), the
    ///   scheme of its own origin.
    func admit(
        _ topic: TopicDefinition,
        headers: HTTPFields,
        authority: String?,
        scheme: String = "http",
        rawQuery: String
    ) async throws
        -> Admission
    {
        try checkOrigin(topic, headers: headers, authority: authority, scheme: scheme)
        let login = try await authenticate(headers: headers, rawQuery: rawQuery)
        if let scopes = login?.scopes, !scopes.contains(.topics) { throw RouteScopes.insufficient(.topics, has: scopes) }
        var principal: TopicPrincipal?
        if let login { principal = try await self.principal(for: login.user, topic: topic) }
        guard topic.read.allows(principal) else {
            if principal == nil {
                throw APIError.unauthorized(
                    "topic '\(topic.name)' needs a login: send the session cookie, 'Authorization: Bearer <token>' or ?token="
                )
            }
            throw APIError.forbidden("you may not read topic '\(topic.name)'")
        }
        do {
            return Admission(topic: topic, principal: principal, query: try TopicQuery.parse(rawQuery, for: topic), credential: login?.credential)
        } catch {
            throw APIError.badRequest(error.code, error.message)
        }
    }

    /// Browsers send `Origin`; only the hub's own origin and the topic's `origins` may
    /// connect, so another site cannot ride a logged-in user's cookie. Non-browser clients
    /// send no `Origin` and are judged by their credential alone. The hub's own origin is its
    /// scheme and authority (RFC 6454): `http://hub.example.org` is not the origin of a hub
    /// served as `https://hub.example.org`; a default port may be left out on either side.
    func checkOrigin(_ topic: TopicDefinition, headers: HTTPFields, authority: String?, scheme: String = "http") throws {
        guard let origin = headers[.origin] else { return }
        if topic.origins.contains(origin) { return }
        if let authority, Self.sameOrigin(origin, scheme: scheme, authority: authority) { return }
        throw APIError.forbidden("origin '\(origin)' may not open topic '\(topic.name)'; add it to topics.\(topic.name).origins")
    }

    static func sameOrigin(_ origin: String, scheme: String, authority: String) -> Bool {
        let parts = origin.lowercased().split(separator: "://", maxSplits: 1)
        guard parts.count == 2, parts[0] == scheme.lowercased() else { return false }
        let defaultPort = scheme.lowercased() == "https" ? ":443" : ":80"
        func bare(_ hostPort: some StringProtocol) -> String {
            let text = String(hostPort)
            return text.hasSuffix(defaultPort) ? String(text.dropLast(defaultPort.count)) : text
        }
        return bare(parts[1]) == bare(authority.lowercased())
    }

    /// Who opens the socket: the user (an admin's token without `admin` seen as a plain
    /// user, as `AuthMiddleware` does), the credential, and a token's scopes.
    func authenticate(headers: HTTPFields, rawQuery: String) async throws -> Login? {
        if let header = headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw APIError.unauthorized("the Authorization header must be 'Bearer <token>'")
            }
            return try await tokenUser(String(parts[1]).trimmingCharacters(in: .whitespaces))
        }
        if let token = Self.queryValue("token", in: rawQuery) { return try await tokenUser(token) }
        if let secret = Self.cookie(SessionCookie.name, in: headers), !secret.isEmpty {
            let hash = Secrets.hash(secret)
            guard Secrets.isWellFormed(secret), let name = try await store.sessionUser(tokenHash: hash, now: Date()),
                let user = try await store.user(named: name)
            else {
                throw APIError.unauthorized("the session has expired or was logged out; log in again")
            }
            return (user, .session(tokenHash: hash), nil)
        }
        return nil
    }

    typealias Login = (user: UserAccount, credential: SwitchboardRequestContext.Credential, scopes: Set<TokenScope>?)

    func tokenUser(_ secret: String) async throws -> Login {
        let hash = Secrets.hash(secret)
        guard Secrets.isWellFormed(secret), let token = try await store.token(tokenHash: hash),
            var user = try await store.user(named: token.username)
        else {
            throw APIError.unauthorized("the bearer token is not valid or has been deleted")
        }
        if let scopes = token.scopes, !scopes.contains(.admin) { user.role = .user }
        return (user, .token(tokenHash: hash), token.scopes)
    }

    /// Whether the credential a socket was opened with still logs its user in: a socket outlives
    /// neither a logout, an expired or ended session (a password change), nor a deleted token
    /// or user. Look-ups may come from the store's credential cache (seconds old at most).
    func stillValid(_ credential: SwitchboardRequestContext.Credential, user: String) async throws -> Bool {
        switch credential {
        case .session(let hash): try await store.sessionUser(tokenHash: hash, now: Date()) == user
        case .token(let hash): try await store.tokenUser(tokenHash: hash) == user
        }
    }

    /// The account as the topic rules see it, with the contact groups the rules ask about.
    func principal(for user: UserAccount, topic: TopicDefinition) async throws -> TopicPrincipal {
        var p = TopicPrincipal(id: user.username, role: user.role.rawValue, displayName: user.displayName)
        let wanted = topic.groupRoles
        if !wanted.isEmpty, let contact = try await store.contact(username: user.username) {
            p.groups = Set(try await store.groupNames(ofContact: contact.id)).intersection(wanted)
        }
        return p
    }

    static func queryValue(_ name: String, in rawQuery: String) -> String? {
        for item in rawQuery.split(separator: "&") where item.hasPrefix(name + "=") {
            return String(item.dropFirst(name.count + 1)).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }

    static func cookie(_ name: String, in headers: HTTPFields) -> String? {
        for header in headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let kv = pair.trimmingCharacters(in: .whitespaces)
                if kv.hasPrefix(name + "=") { return String(kv.dropFirst(name.count + 1)) }
            }
        }
        return nil
    }
}
