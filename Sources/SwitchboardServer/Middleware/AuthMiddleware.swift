import Foundation
import Hummingbird
import SwitchboardCore

/// Puts the caller on the context, or answers 401. Every route added after it requires a
/// login; a bearer token wins over a session cookie, and a bad bearer token is refused even
/// when a good cookie is also sent, so a client never acts as someone it did not mean to.
/// A token is then held to its scopes for the route asked for (`RouteScopes`, 403
/// `insufficient_scope`).
///
/// A session in use is renewed (see `CredentialStore.renewSession`): once less than half of
/// `server.session_ttl` remains, the response carries the cookie again with a fresh lifetime,
/// so a session ends `session_ttl` after its last use, not after the login.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = SwitchboardRequestContext
    let store: any HubStore
    var settings = ServerSettings()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let login = try await authenticate(request)
        let credential = login.credential
        try RouteScopes.check(request.method, context.endpointPath, scopes: login.scopes, role: login.user.role)
        context.user = login.user
        context.credential = credential
        context.scopes = login.scopes
        if let scopes = login.scopes, login.user.role == .admin, !scopes.contains(.admin) {
            // Everything an admin may see beyond a user (every conversation, every message)
            // needs the `admin` scope, not just the routes only admins may use.
            context.user?.role = .user
            context.adminWithheld = true
        }
        var response = try await next(request, context)
        // Renewed only after the request was answered, and never over a cookie the handler
        // set itself (logout); the server's expiry and the cookie's lifetime move together.
        guard case .session(let hash) = credential, response.headers[.setCookie] == nil,
            let secret = request.cookies[SessionCookie.name]?.value,
            let renewed = try await store.renewSession(tokenHash: hash, now: Date(), ttl: settings.sessionTTL)
        else {
            return response
        }
        response.setCookie(
            SessionCookie.make(secret: secret, maxAge: Int(renewed.timeIntervalSinceNow.rounded()), secure: context.isHTTPS(request, settings))
        )
        return response
    }

    /// Who is asking, how they proved it, and (for a token) its scopes.
    struct Login {
        var user: UserAccount
        var credential: Context.Credential
        var scopes: Set<TokenScope>?
    }

    func authenticate(_ request: Request) async throws -> Login {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw APIError.unauthorized("the Authorization header must be 'Bearer <token>'")
            }
            let secret = parts[1].trimmingCharacters(in: .whitespaces)
            let hash = Secrets.hash(secret)
            guard Secrets.isWellFormed(secret), let token = try await store.token(tokenHash: hash),
                let user = try await store.requestUser(named: token.username)
            else {
                throw APIError.unauthorized("the bearer token is not valid or has been deleted")
            }
            return Login(user: user, credential: .token(tokenHash: hash), scopes: token.scopes)
        }
        if let secret = request.cookies[SessionCookie.name]?.value, !secret.isEmpty {
            let hash = Secrets.hash(secret)
            guard Secrets.isWellFormed(secret), let name = try await store.sessionUser(tokenHash: hash, now: Date()),
                let user = try await store.requestUser(named: name)
            else {
                throw APIError.unauthorized("the session has expired or was logged out; log in again")
            }
            return Login(user: user, credential: .session(tokenHash: hash))
        }
        throw APIError.unauthorized()
    }
}

/// The login session's cookie: HttpOnly (no script can read it), SameSite=Lax (another site
/// can link to a hub page and the person arrives logged in, as with a link in an alert mail,
/// but no other site's form, script or frame makes the browser send it with a POST),
/// Secure behind HTTPS. `CrossSiteRequestGuard` (origin, JSON, the page's `CSRFToken`) is what
/// protects state changes; the cookie's SameSite is the first line before it.
enum SessionCookie {
    static let name = "switchboard_session"

    static func make(secret: String, maxAge: Int, secure: Bool) -> Cookie {
        Cookie(name: name, value: secret, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// Tells the browser to forget the cookie.
    static func expired(secure: Bool) -> Cookie {
        Cookie(
            name: name,
            value: "",
            expires: Date(timeIntervalSince1970: 0),
            maxAge: 0,
            path: "/",
            secure: secure,
            httpOnly: true,
            sameSite: .lax
        )
    }
}
