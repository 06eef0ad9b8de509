import NIOCore
import NIOHTTP1

/// One request to a `GatewayHTTPClient`'s origin: no URL, only the target (path and query),
/// since the client already knows scheme, host and port. The client adds `Host`, and
/// `Content-Length` when there is a body.
struct GatewayHTTPRequest: Sendable {
    var method: HTTPMethod
    /// Path and query, starting with `/`.
    var target: String
    var headers: HTTPHeaders
    var body: ByteBuffer?

    init(method: HTTPMethod = .GET, target: String, headers: HTTPHeaders = [:], body: ByteBuffer? = nil) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }
}
