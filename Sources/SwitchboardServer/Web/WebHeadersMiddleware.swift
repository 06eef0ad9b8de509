import Hummingbird

/// The headers every page of the web interface carries: a Content-Security-Policy that allows
/// only the hub's own scripts, styles and sockets (no inline script, no other site, no
/// plugins), no framing by anyone (`frame-ancestors 'none'` and `X-Frame-Options: DENY` for
/// older browsers), no MIME sniffing, no referrer beyond the hub, and no caching of pages
/// (they show private data); static files set their own caching.
struct WebHeadersMiddleware: RouterMiddleware {
    typealias Context = SwitchboardRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        Self.apply(to: &response.headers, authority: request.head.authority)
        return response
    }

    static let frameOptions = HTTPFieldName("X-Frame-Options")!
    static let referrerPolicy = HTTPFieldName("Referrer-Policy")!

    static func apply(to headers: inout HTTPFields, authority: String?) {
        // A response with a policy of its own (a message's HTML part, framed by its page) keeps it.
        if headers[.contentSecurityPolicy] == nil { headers[.contentSecurityPolicy] = policy(authority: authority) }
        if headers[Self.frameOptions] == nil { headers[Self.frameOptions] = "DENY" }
        headers[.xContentTypeOptions] = "nosniff"
        headers[Self.referrerPolicy] = "same-origin"
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
    }

    /// `connect-src` names the socket's own host explicitly (older browsers do not count
    /// `ws:` as `'self'`); a `Host` with characters a host cannot have is left out.
    static func policy(authority: String?) -> String {
        var connect = "'self'"
        if let authority, !authority.isEmpty, authority.utf8.allSatisfy(isHostByte) {
            connect += " ws://\(authority) wss://\(authority)"
        }
        return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src \(connect); "
            + "form-action 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'"
    }

    private static func isHostByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x3A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E || b == 0x5B || b == 0x5D
    }
}

/// Sends a visitor who is not logged in (or whose session ended) to the login page, with the
/// page they wanted as `next`; a logged-in one goes on with the user on the context, exactly
/// as `AuthMiddleware` puts it there for the API.
struct WebLoginMiddleware: RouterMiddleware {
    typealias Context = SwitchboardRequestContext
    let auth: AuthMiddleware

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            _ = try await auth.authenticate(request)
        } catch let error as APIError where error.status == .unauthorized {
            return Self.toLogin(request)
        }
        return try await auth.handle(request, context: context, next: next)
    }

    static func toLogin(_ request: Request) -> Response {
        var target = "/login"
        if request.method == .get, request.uri.path != "/" {
            target += "?next=" + WebPaths.percentEncoded(request.uri.path)
        }
        return Response(status: .seeOther, headers: [.location: target])
    }
}
