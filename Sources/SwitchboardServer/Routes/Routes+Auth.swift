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
    /// What the token may do (`TokenScope` names); absent: everything the caller may.
    var scopes: [String]?
    static let shape = JSONShape.keys("name", "scopes")
}

extension APIEnvironment {
    /// `POST /api/v1/session` is public; everything else here needs a login.
    func addLoginRoute(to router: Router<Context>) {
        router.post("/api/v1/session") { request, context in try await login(request, context) }
    }

    func addAuthRoutes(to api: RouterGroup<Context>) {
        api.delete("/session") { request, context in try await logout(request, context) }
        api.get("/me") { _, context in try me(context) }
        api.get("/tokens") { request, context in try await listTokens(request, context) }
        api.post("/tokens") { request, context in try await createToken(request, context) }
        api.delete("/tokens/{id}") { _, context in try await deleteToken(context) }
    }

    /// A password bcrypt could not check whole is refused as when it is set (422), before any
    /// attempt is counted; a throttled account or address is 429 before the password is read.
    ///
    /// A login from a browser page (it sends `Origin` or `Referer`) must come from the hub's
    /// own or an allowed origin with a JSON body, so no other site can log a visitor into an
    /// account of its choosing (login CSRF); other clients are not asked.
    func login(_ request: Request, _ context: Context) async throws -> Response {
        if request.headers[.origin] != nil || request.headers[.referer] != nil {
            try CrossSiteRequestGuard(settings: hub.configuration.server).checkOrigin(request)
            try CrossSiteRequestGuard.checkContentType(request)
        }
        let body = try await request.decodeBody(LoginBody.self, limit: maxBodyBytes).value
        if let problem = PasswordPolicy.unverifiable(body.password) { throw problem }
        guard let user = try await checkPassword(username: body.username, password: body.password, endpoint: .login, context) else {
            // One answer for a wrong name and a wrong password: names are not revealed.
            throw APIError(.unauthorized, "invalid_credentials", "the username or password is wrong")
        }
        let expiresAt = Date().addingTimeInterval(hub.configuration.server.sessionTTL)
        let cookie = try await startSession(for: user, request, context, expiresAt: expiresAt)
        var response = try Response.json(
            SessionView(username: user.username, displayName: user.displayName, role: user.role.rawValue, expiresAt: expiresAt)
        )
        response.setCookie(cookie)
        return response
    }

    /// Creates a login session for `user` (the API's login and the login page alike) and
    /// returns the cookie that carries it.
    func startSession(for user: UserAccount, _ request: Request, _ context: Context, expiresAt: Date? = nil) async throws -> Cookie {
        let settings = hub.configuration.server
        let secret = Secrets.make()
        let expiresAt = expiresAt ?? Date().addingTimeInterval(settings.sessionTTL)
        try await store.createSession(tokenHash: Secrets.hash(secret), username: user.username, expiresAt: expiresAt)
        context.logger.info("login", metadata: ["user": "\(user.username)"])
        return SessionCookie.make(secret: secret, maxAge: Int(settings.sessionTTL), secure: context.isHTTPS(request, settings))
    }

    /// The user if the password is theirs, counting the attempt against the throttle (429
    /// while the account, the address or the pair is blocked).
    func checkPassword(username: String, password: String, endpoint: AuthThrottle.Endpoint, _ context: Context) async throws -> UserAccount? {
        let attempt = try throttle.beginLogin(account: username, address: context.clientAddress, endpoint: endpoint, logger: context.logger)
        let user: UserAccount?
        do {
            user = try await accounts.verify(username: username, password: password)
        } catch {
            throttle.finish(attempt, succeeded: nil, logger: context.logger)
            throw error
        }
        throttle.finish(attempt, succeeded: user != nil, logger: context.logger)
        return user
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

    /// The caller's own tokens, oldest first, `limit` at a time (100 unless asked; at most
    /// 1,000); `cursor` is the previous page's `next_cursor`.
    func listTokens(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let query = try QueryParameters(request, allowed: ["limit", "cursor"])
        let limit = try query.int("limit", in: Self.contactPageLimits) ?? 100
        let page = try await Self.cursorChecked { try await store.tokens(username: user.username, limit: limit, after: query.string("cursor")) }
        let role: UserAccount.Role = context.adminWithheld ? .admin : user.role
        return try .json(CursorPageView(items: page.tokens.map { TokenView($0, role: role) }, nextCursor: page.nextCursor))
    }

    func createToken(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let body = try await request.decodeBody(TokenBody.self, limit: maxBodyBytes).value
        // Counted in code points, as the API document's `maxLength` counts; no control
        // characters, which would garble the token list and logs.
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        let scalars = body.name.unicodeScalars
        guard !name.isEmpty, scalars.count <= 100, !name.contains(where: \.isNewline),
            !scalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw APIError.unprocessable("invalid_name", "token name must be one line of 1 to 100 characters, without control characters")
        }
        let scopes = try Self.tokenScopes(body.scopes, context)
        let secret = Secrets.make()
        let token = APIToken(username: user.username, name: name, tokenHash: Secrets.hash(secret), scopes: scopes)
        try await store.createToken(token)
        return try .json(
            CreatedTokenView(token: secret, id: token.id, name: token.name, createdAt: token.createdAt, scopes: TokenView.names(scopes)),
            status: .created,
            headers: [.location: "/api/v1/tokens/\(token.id)"]
        )
    }

    /// The scopes a new token gets: those asked for, or everything the caller may. A token
    /// never gets more than its maker has: a user's role, and the scopes of the token the
    /// request came with (a token cannot mint a wider one). An unknown name or an empty list
    /// is 422, a scope beyond the caller 403; nothing is created then.
    static func tokenScopes(_ asked: [String]?, _ context: Context) throws -> Set<TokenScope> {
        let user = try context.requireUser()
        let role: UserAccount.Role = context.adminWithheld ? .admin : user.role
        var allowed = TokenScope.granted(to: role)
        if let held = context.scopes { allowed.formIntersection(held) }
        guard let asked else { return allowed }
        var scopes = Set<TokenScope>()
        for name in asked {
            guard let scope = TokenScope(rawValue: name) else {
                let known = TokenScope.allCases.map(\.rawValue).joined(separator: ", ")
                throw APIError.unprocessable("invalid_scope", "unknown scope '\(name)'; scopes are \(known)")
            }
            scopes.insert(scope)
        }
        guard !scopes.isEmpty else { throw APIError.unprocessable("invalid_scope", "scopes must name at least one scope") }
        if let beyond = scopes.sorted().first(where: { !allowed.contains($0) }) {
            let why = context.scopes.map { !$0.contains(beyond) } == true ? "the token this request came with lacks it" : "it is for admins"
            throw APIError(.forbidden, "scope_not_allowed", "you may not give a token the scope '\(beyond.rawValue)': \(why)")
        }
        return scopes
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
