import Hummingbird
import NIOCore
import SwitchboardCore

/// The per-request state the API's handlers share: who is asking and how they proved it.
///
/// `AuthMiddleware` fills it in for every route but the few public ones; handlers read it
/// through `requireUser()` / `requireAdmin()`, which fail closed if it is missing.
package struct SwitchboardRequestContext: RequestContext, RemoteAddressRequestContext {
    /// How the caller authenticated; logout needs the session, `/me` reports which.
    package enum Credential: Sendable, Equatable {
        /// A login session, by the SHA-256 hash of its cookie.
        case session(tokenHash: String)
        /// An API token, by the SHA-256 hash of the bearer secret.
        case token(tokenHash: String)
    }

    package var coreContext: CoreRequestContextStorage
    /// The authenticated user; `nil` only on public routes.
    package var user: UserAccount?
    package var credential: Credential?
    /// The token's scopes (`RouteScopes`); `nil` for a login session or a token made before
    /// scopes, which may do everything the user may.
    package var scopes: Set<TokenScope>?
    /// An admin's token without the `admin` scope: `user` is then a plain user's view of the
    /// account, and `requireAdmin` names the missing scope.
    package var adminWithheld = false
    /// The peer of the connection (`nil` in router tests); guesses are throttled by it.
    package let remoteAddress: SocketAddress?

    package init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// Whether this request reached the hub over HTTPS (see `ClientScheme`).
    func isHTTPS(_ request: Request, _ server: ServerSettings) -> Bool {
        ClientScheme(server).isHTTPS(headers: request.headers, remoteAddress: remoteAddress?.ipAddress)
    }

    /// The caller, or 401 when the route was (wrongly) reached without authentication.
    func requireUser() throws -> UserAccount {
        guard let user else { throw APIError.unauthorized() }
        return user
    }

    /// The caller if an admin, else 403.
    @discardableResult
    func requireAdmin() throws -> UserAccount {
        let user = try requireUser()
        guard user.role == .admin else {
            if adminWithheld, let scopes { throw RouteScopes.insufficient(.admin, has: scopes) }
            throw APIError.forbidden("only an admin may do this")
        }
        return user
    }
}
