import NIOCore
import NIOHTTP1

/// A whole answer, body read up to the client's limit. Informational (1xx) answers are skipped
/// and redirects are answers like any other: a gateway that moved is reconfigured, its
/// credentials are not replayed to another host.
struct GatewayHTTPResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: ByteBuffer
    /// Whether the connection may carry another request (HTTP/1.1 without `Connection: close`,
    /// or HTTP/1.0 with `keep-alive`); the pool drops the connection otherwise.
    var keepAlive: Bool
}
