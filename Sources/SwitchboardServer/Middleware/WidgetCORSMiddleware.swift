import Hummingbird
import SwitchboardCore

/// Lets pages of the origins in `server.widget_origins` (other sites' dashboards that embed
/// `/widget.js`) read what the widget shows, and nothing more: CORS answers only on
/// `GET /api/v1/inbox` and `GET /api/v1/inbox/unread-count`, only for those origins, only with
/// the `Authorization` header (the widget's token). No `Access-Control-Allow-Credentials`, so
/// a browser never lets such a page read an answer made with the hub's cookie; every other
/// origin and path gets no CORS header, and its browser keeps the answer from the page.
///
/// It sits outside `ErrorMiddleware`, so refusals (401, 403 `insufficient_scope`) carry the
/// headers too and the widget can say why. A preflight (`OPTIONS` with
/// `Access-Control-Request-Method`) is answered here, before any login is asked for, as the
/// Fetch standard requires (a preflight carries no credentials).
struct WidgetCORSMiddleware: RouterMiddleware {
    typealias Context = SwitchboardRequestContext

    static let paths: Set<String> = ["/api/v1/inbox", "/api/v1/inbox/unread-count"]
    static let maxAge = "600"

    let origins: Set<WebOrigin>

    init(settings: ServerSettings) {
        origins = Set(settings.widgetOrigins.compactMap { WebOrigin($0) })
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = allowedOrigin(request) else { return try await next(request, context) }
        if request.method == .options, let asked = request.headers[.accessControlRequestMethod] {
            var headers = Self.headers(origin)
            guard asked == "GET" || asked == "HEAD" else {
                // Not for the widget: no permission given, so the browser refuses the request.
                return Response(status: .noContent, headers: [.vary: "Origin"])
            }
            headers[.accessControlAllowMethods] = "GET, HEAD"
            headers[.accessControlAllowHeaders] = "Authorization"
            headers[.accessControlMaxAge] = Self.maxAge
            return Response(status: .noContent, headers: headers)
        }
        guard request.method == .get || request.method == .head else { return try await next(request, context) }
        var response = try await next(request, context)
        for field in Self.headers(origin) { response.headers[field.name] = field.value }
        return response
    }

    /// The request's `Origin` when it is a widget origin asking for a widget path.
    func allowedOrigin(_ request: Request) -> String? {
        guard !origins.isEmpty, Self.paths.contains(request.uri.path), let header = request.headers[.origin],
            let origin = WebOrigin(header), origins.contains(origin)
        else { return nil }
        return header
    }

    static func headers(_ origin: String) -> HTTPFields {
        // `Vary: Origin`: a cache must not hand this answer to a page of another origin.
        [.accessControlAllowOrigin: origin, .vary: "Origin", .accessControlExposeHeaders: "WWW-Authenticate"]
    }
}
