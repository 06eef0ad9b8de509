import Hummingbird

/// Answers 405 with `Allow` for a path the router knows under other methods (TRACE on
/// `/health`, DELETE on `/api/v1/messages`), instead of 404.
///
/// Added after every route, so it wraps only the router's not-found answer: a request gets
/// here only when no route took its method and path. The table is the router's own list of
/// routes; a path is matched as Hummingbird's trie matches it (segment by segment, a literal
/// segment before a parameter), so `Allow` names exactly the methods that would be served.
/// HEAD is allowed wherever GET is (the router answers it from GET).
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    struct Route: Sendable {
        let path: RouterPath
        let methods: [HTTPRequest.Method]
    }

    let routes: [Route]

    init(_ descriptions: [Router<Context>.RouteDescription]) {
        var methods: [String: (path: RouterPath, methods: Set<String>)] = [:]
        for route in descriptions {
            methods[route.path.description, default: (route.path, [])].methods.insert(route.method.rawValue)
        }
        routes = methods.values.map { entry in
            var names = entry.methods
            if names.contains("GET") { names.insert("HEAD") }
            return Route(path: entry.path, methods: names.sorted().compactMap { HTTPRequest.Method($0) })
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let allowed = allowed(request.uri.path), !allowed.contains(request.method) else {
            return try await next(request, context)
        }
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        throw APIError(
            .methodNotAllowed,
            "method_not_allowed",
            "\(request.method) is not allowed on \(request.uri.path); allowed: \(list)",
            headers: [.allow: list]
        )
    }

    /// The methods served at `path`, or nil when no route has that path.
    func allowed(_ path: String) -> [HTTPRequest.Method]? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        var best: (score: [Bool], methods: [HTTPRequest.Method])?
        for route in routes where route.path.components.count == segments.count {
            var score: [Bool] = []
            var matches = true
            for (component, segment) in zip(route.path.components, segments) {
                guard component ~= segment else {
                    matches = false
                    break
                }
                score.append(component == segment)
            }
            guard matches else { continue }
            if let current = best, !current.score.lexicographicallyPrecedes(score, by: { !$0 && $1 }) { continue }
            best = (score, route.methods)
        }
        return best?.methods
    }
}
