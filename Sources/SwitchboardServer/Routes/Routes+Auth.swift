import Foundation
import Hummingbird
import SwitchboardCore

// Login sessions (cookie), API tokens (bearer) and "who am I".

struct LoginBody: APIRequestBody {
    var username: String
    var password: String
    static let shape = JSONShape.keys("username", "password")
}

struct TokenBody: APIRequestBody {
    var name: String
    static let shape = JSONShape.keys("name")
}

/// The answer to a login.
struct SessionView: Encodable {
    var username: String
    @ExplicitNull var displayName: String?
    var role: String
    var expiresAt: Date
}

struct MeView: Encodable {
    var username: String
    @ExplicitNull var displayName: String?
    var role: String
    var createdAt: Date
    /// `session` or `token`.
    var authenticatedBy: String
}

struct TokenView: Encodable {
    var id: String
    var name: String
    var createdAt: Date
    init(_ t: APIToken) {
        id = t.id
        name = t.name
        createdAt = t.createdAt
    }
}

/// The only time the token's secret is shown.
struct CreatedTokenView: Encodable {
    var token: String
    var id: String
    var name: String
    var createdAt: Date
}

extension APIEnvironment {
    /// `POST /api/v1/session` is public; everything else here needs a login.
    func addLoginRoute(to router: Router<Context>) {
        router.post("/api/v1/session") { request, context in try await login(request, context) }
    }

    func addAuthRoutes(to api: RouterGroup<Context>) {
        api.delete("/session") { request, context in try await logout(request, context) }
        api.get("/me") { _, context in try me(context) }
        api.get("/tokens") { _, context in try await listTokens(context) }
        api.post("/tokens") { request, context in try await createToken(request, context) }
        api.delete("/tokens/{id}") { _, context in try await deleteToken(context) }
    }

    func login(_ request: Request, _ context: Context) async throws -> Response {
        let body = try await request.decodeBody(LoginBody.self, limit: maxBodyBytes).value
        guard let user = try await accounts.verify(username: body.username, password: body.password) else {
            // One answer for a wrong name and a wrong password: names are not revealed.
            throw APIError(.unauthorized, "invalid_credentials", "the username or password is wrong")
        }
        let settings = hub.configuration.server
        let secret = Secrets.make()
        let expiresAt = Date().addingTimeInterval(settings.sessionTTL)
        try await store.createSession(tokenHash: Secrets.hash(secret), username: user.username, expiresAt: expiresAt)
        var response = try Response.json(
            SessionView(username: user.username, displayName: user.displayName, role: user.role.rawValue, expiresAt: expiresAt)
        )
        response.setCookie(SessionCookie.make(secret: secret, maxAge: Int(settings.sessionTTL), secure: context.isHTTPS(request, settings)))
        context.logger.info("login", metadata: ["user": "\(user.username)"])
        return response
    }

    /// Ends the session the request came with (by cookie, even when a token authenticated
    /// the request) and tells the browser to drop the cookie.
    func logout(_ request: Request, _ context: Context) async throws -> Response {
        _ = try context.requireUser()
        if case .session(let hash) = context.credential {
            try await store.deleteSession(tokenHash: hash)
        } else if let secret = request.cookies[SessionCookie.name]?.value, !secret.isEmpty {
            try await store.deleteSession(tokenHash: Secrets.hash(secret))
        }
        var response = Response.noContent()
        response.setCookie(SessionCookie.expired(secure: context.isHTTPS(request, hub.configuration.server)))
        return response
    }

    func me(_ context: Context) throws -> Response {
        let user = try context.requireUser()
        let by =
            switch context.credential {
            case .token: "token"
            case .session, nil: "session"
            }
        return try .json(
            MeView(
                username: user.username,
                displayName: user.displayName,
                role: user.role.rawValue,
                createdAt: user.createdAt,
                authenticatedBy: by
            )
        )
    }

    func listTokens(_ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let tokens = try await store.tokens(username: user.username).sorted { $0.createdAt < $1.createdAt }
        return try .json(ListView(items: tokens.map(TokenView.init)))
    }

    func createToken(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let body = try await request.decodeBody(TokenBody.self, limit: maxBodyBytes).value
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100, !name.contains(where: \.isNewline) else {
            throw APIError.unprocessable("invalid_name", "token name must be one line of 1 to 100 characters")
        }
        let secret = Secrets.make()
        let token = APIToken(username: user.username, name: name, tokenHash: Secrets.hash(secret))
        try await store.createToken(token)
        return try .json(
            CreatedTokenView(token: secret, id: token.id, name: token.name, createdAt: token.createdAt),
            status: .created,
            headers: [.location: "/api/v1/tokens/\(token.id)"]
        )
    }

    /// Only the caller's own tokens can be deleted; someone else's id is "not found".
    func deleteToken(_ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.require("id")
        guard try await store.deleteToken(id: id, username: user.username) else {
            throw APIError.notFound("token_not_found", "you have no token with id '\(id)'")
        }
        return .noContent()
    }
}
