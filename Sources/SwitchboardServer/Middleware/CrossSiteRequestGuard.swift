import Foundation
import Hummingbird
import SwitchboardCore

/// Refuses cross-site request forgery: a page on another site making the browser send a
/// state-changing request that carries the hub's session cookie.
///
/// `SameSite=Strict` on the cookie is one defence; this is the second, and the one that does
/// not depend on the browser. A POST, PUT, PATCH or DELETE authenticated by the session cookie
/// is refused with 403 `cross_site_request` when its `Origin` (or, without one, its `Referer`)
/// is neither the hub's own (the `Host` it was sent to, over http or https, or https only with
/// `server.secure_cookies`) nor one of `server.allowed_origins`; `Origin: null` (sandboxed
/// frames, `file:` pages) is foreign too. A request with neither header is not from a page
/// that a browser would label, so it is judged by its credential alone (curl with a cookie jar).
///
/// Every API body is JSON, and browsers can send only `text/plain`, form and multipart bodies
/// across sites without asking first (CORS preflight), so such a request with any other
/// declared type, or with a body and no type, is refused with 415. Bearer-token requests are
/// not affected: no page can make a browser add that header to another site's request.
///
/// A request a browser labels as its own fetch (`Sec-Fetch-Site`, which no page script can set)
/// must also carry the session's `CSRFToken` in `X-CSRF-Token`, as the hub's pages send it
/// (403 `csrf_token_invalid`): a third line that holds even for an allowed origin that is
/// compromised. Other clients (curl, scripts with a cookie jar) send no such header.
struct CrossSiteRequestGuard: RouterMiddleware {
    typealias Context = SwitchboardRequestContext

    /// `https` only behind TLS (`secure_cookies`); otherwise `http` and `https`.
    let ownSchemes: [String]
    let allowedOrigins: Set<WebOrigin>

    init(settings: ServerSettings) {
        ownSchemes = settings.secureCookies ? ["https"] : ["http", "https"]
        allowedOrigins = Set(settings.allowedOrigins.compactMap { WebOrigin($0) })
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if case .session = context.credential, !Self.isSafe(request.method) {
            try checkOrigin(request)
            try Self.checkContentType(request)
            try Self.checkToken(request)
        }
        return try await next(request, context)
    }

    static func isSafe(_ method: HTTPRequest.Method) -> Bool {
        method == .get || method == .head || method == .options
    }

    /// 403 unless the page the request came from is the hub's or an allowed one.
    func checkOrigin(_ request: Request) throws {
        let claimed: String
        let origin: WebOrigin?
        if let header = request.headers[.origin] {
            claimed = header
            origin = WebOrigin(header)
        } else if let referer = request.headers[.referer] {
            claimed = referer
            origin = WebOrigin(url: referer)
        } else {
            return
        }
        if let origin, allowedOrigins.contains(origin) || isOwn(origin, request) { return }
        throw APIError(
            .forbidden,
            "cross_site_request",
            "a request from '\(claimed)' may not change anything with this hub's session cookie; "
                + "add its origin to server.allowed_origins, or use an API token"
        )
    }

    func isOwn(_ origin: WebOrigin, _ request: Request) -> Bool {
        guard let authority = request.head.authority else { return false }
        return ownSchemes.contains(origin.scheme) && WebOrigin(scheme: origin.scheme, authority: authority) == origin
    }

    static let fetchSite = HTTPFieldName("Sec-Fetch-Site")!

    /// 403 when a browser's own request lacks the session's CSRF token.
    static func checkToken(_ request: Request) throws {
        guard request.headers[fetchSite] != nil else { return }
        guard let secret = request.cookies[SessionCookie.name]?.value,
            CSRFToken.isValid(request.headers[CSRFToken.header], sessionSecret: secret)
        else { throw CSRFToken.invalid() }
    }

    /// Body types no page can send across sites without a CORS preflight: JSON, and CSV for
    /// the contacts import.
    static let bodyTypes: Set<String> = ["application/json", "text/csv"]

    /// 415 unless a body, if any, is declared as JSON (or CSV).
    static func checkContentType(_ request: Request) throws {
        if let type = request.headers[.contentType] {
            let media = type.split(separator: ";", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces).lowercased()
            guard let media, bodyTypes.contains(media) else {
                throw APIError(.unsupportedMediaType, "unsupported_media_type", "send the body as application/json, not '\(type)'")
            }
            return
        }
        let length = request.headers[.contentLength].flatMap { Int($0) } ?? 0
        guard length == 0, request.headers[.transferEncoding] == nil else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "send the body as application/json, with Content-Type: application/json")
        }
    }
}
