import Hummingbird

// The inbox widget other sites embed: one script at a fixed address.

extension APIEnvironment {
    static let widgetPath = "/widget.js"

    /// `GET /widget.js`, public: the script holds no secret (the embedding page brings the
    /// token). Another site's page loads it with `<script src>`, so it is served with
    /// `Cross-Origin-Resource-Policy: cross-origin`; what it may then read is decided by
    /// `server.widget_origins` (`WidgetCORSMiddleware`, `InboxFeed.admit`). Cached for five
    /// minutes and revalidated by its ETag: host pages cannot add a version to the address.
    func addWidgetRoutes(to router: Router<Context>) {
        router.get(RouterPath(Self.widgetPath)) { request, _ in try widgetScript(request) }
    }

    func widgetScript(_ request: Request) throws -> Response {
        guard let file = web.files["widget.js"] else { throw APIError.notFound("not_found", "the widget is not installed") }
        let etag = "\"\(file.version)\""
        var headers: HTTPFields = [
            .contentType: file.contentType, .eTag: etag, .cacheControl: "public, max-age=300",
            .xContentTypeOptions: "nosniff", .crossOriginResourcePolicy: "cross-origin",
        ]
        if request.headers[.ifNoneMatch] == etag {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: file.body))
    }
}
