import Hummingbird
import SwitchboardCore

/// Which token scope each route needs: one declarative table, read by `AuthMiddleware` for
/// every authenticated request (API and pages), so a new route is covered by its path's rule
/// rather than by a check someone must remember to write.
///
/// A rule names a path and every path under it (`/api/v1/inbox` covers
/// `/api/v1/inbox/{id}/read`), with one scope for reading (GET, HEAD) and one for changing;
/// the first matching rule wins, so a narrower path comes before a wider one. A route no rule
/// names (the web pages, a route added without a rule) needs every scope the user may hold:
/// only a login session or a token with all of them reaches it, so the table fails closed.
/// `RouteScopesTests` checks that every API route has a rule.
///
/// Scopes narrow a token, never its user: the handlers' own checks (admin only, one's own
/// inbox) still apply, and `AuthMiddleware` lets an admin's token without `admin` act as a
/// plain user.
enum RouteScopes {
    struct Rule: Sendable {
        var path: String
        var read: TokenScope
        var change: TokenScope

        init(_ path: String, read: TokenScope, change: TokenScope) {
            self.path = path
            self.read = read
            self.change = change
        }

        init(_ path: String, _ scope: TokenScope) { self.init(path, read: scope, change: scope) }

        func matches(_ route: String) -> Bool {
            route == path || (route.hasPrefix(path) && route.utf8.dropFirst(path.utf8.count).first == UInt8(ascii: "/"))
        }
    }

    static let rules: [Rule] = [
        Rule("/api/v1/inbox", read: .inboxRead, change: .inboxWrite),
        Rule("/api/v1/forms", read: .inboxRead, change: .inboxWrite),
        Rule("/api/v1/messages", .messagesSend),
        Rule("/api/v1/contacts", read: .directoryRead, change: .directoryWrite),
        Rule("/api/v1/groups", read: .directoryRead, change: .directoryWrite),
        // The address check is a POST that changes nothing: reading the directory's rules.
        Rule("/api/v1/addresses", .directoryRead),
        Rule("/api/v1/conversations", .conversations),
        Rule("/api/v1/tester", .tester),
        Rule("/api/v1/me", .account),
        Rule("/api/v1/session", .account),
        Rule("/api/v1/tokens", .account),
        // One's own password; another's also needs `admin` (the handler asks for an admin).
        Rule("/api/v1/users/{name}/password", .account),
        Rule("/api/v1/users", .admin),
        Rule("/api/v1/queue", .admin),
        Rule("/api/v1/deliveries", .admin),
        Rule("/metrics", .admin),
    ]

    /// The scope `method` on `route` (the router's path pattern, `/api/v1/inbox/{id}`) needs;
    /// `nil` when no rule names it, and then every scope is needed.
    static func scope(_ method: HTTPRequest.Method, _ route: String) -> TokenScope? {
        guard let rule = rules.first(where: { $0.matches(route) }) else { return nil }
        return method == .get || method == .head ? rule.read : rule.change
    }

    /// 403 `insufficient_scope` unless `scopes` (`nil`: a login session, or a token made before
    /// scopes) allow `method` on `route` for a user of `role`.
    static func check(_ method: HTTPRequest.Method, _ route: String?, scopes: Set<TokenScope>?, role: UserAccount.Role) throws {
        guard let scopes else { return }
        if let needed = scope(method, route ?? "") {
            guard scopes.contains(needed) else { throw insufficient(needed, has: scopes) }
        } else if let missing = TokenScope.granted(to: role).sorted().first(where: { !scopes.contains($0) }) {
            throw insufficient(missing, has: scopes, why: "\(route ?? "this page") is for login sessions and tokens with every scope")
        }
    }

    /// RFC 6750's answer for a token without the scope a request needs: 403, with the scope
    /// named in the body and in `WWW-Authenticate`.
    static func insufficient(_ needed: TokenScope, has scopes: Set<TokenScope>, why: String? = nil) -> APIError {
        let held = scopes.isEmpty ? "none" : TokenScope.text(scopes)
        var message = "this token lacks the scope '\(needed.rawValue)' (it has: \(held))"
        if let why { message += "; \(why)" }
        return APIError(
            .forbidden,
            "insufficient_scope",
            message,
            headers: [.wwwAuthenticate: #"Bearer realm="switchboard", error="insufficient_scope", scope="\#(needed.rawValue)""#]
        )
    }
}
