import Foundation
import Hummingbird
import SwitchboardCore

// The web interface's own routes: static files, logging in and out. Pages are added by the
// files beside this one, all behind `WebLoginMiddleware`.

/// The login form's fields.
struct LoginForm: Decodable {
    var username: String?
    var password: String?
    var next: String?
}

/// A form that changes something: its CSRF token, and the page to go back to.
struct ActionForm: CSRFCarryingForm {
    var csrf: String?
    var back: String?
    var scope: String?
    var upTo: String?
    /// A reply's address and text.
    var to: String?
    var text: String?
    /// Why an operator ends a conversation.
    var reason: String?

    enum CodingKeys: String, CodingKey {
        case csrf = "_csrf"
        case back, scope, to, text
        case upTo = "up_to"
        case reason
    }
}

extension APIEnvironment {
    /// The web interface's paths: pages for people and their forms, not API operations, so
    /// the API document leaves them out (the README describes them).
    static let webPaths: Set<String> = Set<String>([
        "/send",
        "/", "/mine", "/login", "/logout", "/static/{name}", "/inbox/read-all", "/inbox/{id}/read", "/inbox/{id}/unread",
        "/inbox/{id}", "/inbox/{id}/html", "/inbox/{id}/attachments/{n}", "/inbox/{id}/reply", "/messages/{id}", "/tester",
        "/conversations", "/conversations/{id}", "/conversations/{id}/abort", "/topics",
        "/outbox", "/outbox/retry", "/outbox/cancel", "/outbox/recipients/{address}", "/outbox/deliveries/{id}",
        "/outbox/deliveries/{id}/status", "/connectors", "/admin/users", "/admin/users/{name}/role", "/admin/users/{name}/password",
        "/admin/tokens", "/admin/tokens/{id}/revoke", "/admin/config", "/account", "/account/password",
    ]).union(webDirectoryPaths)

    /// The contacts and groups pages.
    static let webDirectoryPaths: Set<String> = [
        "/contacts", "/contacts/new", "/contacts/import", "/contacts/{id}", "/contacts/{id}/delete", "/groups", "/groups/{name}",
        "/groups/{name}/members", "/groups/{name}/members/{contactID}/remove",
    ]

    /// Adds every web route: public ones (static files, login) and, behind the login, the pages.
    func addWebRoutes(to router: Router<Context>) {
        let web = router.group().add(middleware: WebHeadersMiddleware())
        web.get("/static/{name}") { request, context in try staticFile(request, context) }
        web.get("/login") { request, context in try await loginPage(request, context) }
        web.post("/login") { request, context in try await loginForm(request, context) }
        let pages = web.group()
            .add(middleware: WebLoginMiddleware(auth: AuthMiddleware(store: store, settings: hub.configuration.server)))
        pages.post("/logout") { request, context in try await logoutForm(request, context) }
        addWebInboxRoutes(to: pages)
        addWebMessageRoutes(to: pages)
        addWebSendRoutes(to: pages)
        pages.get("/tester") { request, context in try await testerPage(request, context) }
        addWebConversationRoutes(to: pages)
        pages.get("/topics") { request, context in try await topicsPage(request, context) }
        addWebOperatorRoutes(to: pages)
        addWebContactRoutes(to: pages)
        addWebGroupRoutes(to: pages)
    }

    /// A script or the stylesheet. Asked for with its current `?v=` it may be cached for a
    /// year; otherwise for a minute, revalidated by its ETag.
    func staticFile(_ request: Request, _ context: Context) throws -> Response {
        let name = try context.parameters.require("name")
        guard let file = web.files[name] else { throw APIError.notFound("not_found", "no static file '\(name)'") }
        let etag = "\"\(file.version)\""
        let cache = request.uri.queryParameters["v"].map(String.init) == file.version ? "public, max-age=31536000, immutable" : "public, max-age=60"
        var headers: HTTPFields = [.contentType: file.contentType, .eTag: etag, .cacheControl: cache]
        if request.headers[.ifNoneMatch] == etag {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: file.body))
    }

    func loginPage(
        _ request: Request,
        _ context: Context,
        error: String? = nil,
        username: String? = nil,
        status: HTTPResponse.Status = .ok
    )
        async throws -> Response
    {
        var values: [String: Any] = ["next": WebPaths.local(request.uri.queryParameters["next"].map(String.init))]
        if let error { values["error"] = error }
        if let username { values["username"] = username }
        return try await render(
            WebPage(template: "login", title: web.texts["login_title"], page: "login", values: values, status: status),
            request,
            context
        )
    }

    /// The login form: the same checks, throttle and session as `POST /api/v1/session`; a
    /// form from another site is refused by its `Origin` (login CSRF), and success goes to
    /// `next` (a path on the hub only).
    func loginForm(_ request: Request, _ context: Context) async throws -> Response {
        try CrossSiteRequestGuard(settings: hub.configuration.server).checkOrigin(request)
        let form = try await decodeForm(LoginForm.self, request)
        let username = form.username?.trimmingCharacters(in: .whitespaces) ?? ""
        let password = form.password ?? ""
        guard !username.isEmpty, !password.isEmpty, PasswordPolicy.unverifiable(password) == nil else {
            return try await loginPage(request, context, error: web.texts["login_invalid"], username: username, status: .unprocessableContent)
        }
        let user: UserAccount?
        do {
            user = try await checkPassword(username: username, password: password, endpoint: .login, context)
        } catch let error as APIError where error.status == .tooManyRequests {
            var response = try await loginPage(request, context, error: web.texts["login_throttled"], username: username, status: .tooManyRequests)
            response.headers[.retryAfter] = error.headers[.retryAfter]
            return response
        }
        guard let user else {
            return try await loginPage(request, context, error: web.texts["login_failed"], username: username, status: .unauthorized)
        }
        let cookie = try await startSession(for: user, request, context)
        var response = Response(status: .seeOther, headers: [.location: WebPaths.local(form.next)])
        response.setCookie(cookie)
        return response
    }

    func logoutForm(_ request: Request, _ context: Context) async throws -> Response {
        _ = try await csrfCheckedForm(ActionForm.self, request, context)
        if case .session(let hash) = context.credential { try await store.deleteSession(tokenHash: hash) }
        var response = Response(status: .seeOther, headers: [.location: "/login"])
        response.setCookie(SessionCookie.expired(secure: context.isHTTPS(request, hub.configuration.server)))
        return response
    }

    func decodeForm<Form: Decodable>(_ type: Form.Type, _ request: Request) async throws -> Form {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "send the form as application/x-www-form-urlencoded")
        }
        let body = try await request.collectBody(limit: min(maxBodyBytes, 64 * 1024))
        do {
            return try URLEncodedFormDecoder().decode(Form.self, from: String(buffer: body))
        } catch {
            throw APIError.badRequest("invalid_form", "the form could not be read")
        }
    }
}
