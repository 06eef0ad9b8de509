import NIOCore
import NIOHTTP1

/// An answer the transport gives by itself, before any route sees the request: a request
/// that cannot be parsed, or one that took too long to arrive. Same `{"error", "message"}`
/// body as the API's errors, always with `Connection: close`.
struct HTTPRefusal: Equatable {
    var status: HTTPResponseStatus
    var code: String
    var message: String

    static let requestTimeout = HTTPRefusal(
        status: .requestTimeout,
        code: "request_timeout",
        message: "the request did not arrive in time (server.request_head_timeout / server.body_timeout)"
    )

    /// The answer to a request NIO's parser refused. `inRequestLine`: the parser was still
    /// in the request line, so an overflow there is a too-long URI, not too many headers.
    static func parse(_ error: HTTPParserError, inRequestLine: Bool) -> HTTPRefusal {
        switch error {
        case .invalidMethod:
            // RFC 9110 §9.1: an unrecognized method is 501; 405 is for a known method that
            // the resource does not allow (the router answers those, with Allow).
            return HTTPRefusal(status: .notImplemented, code: "method_not_implemented", message: "the request method is not one this server knows")
        case .headerOverflow where inRequestLine:
            return HTTPRefusal(status: .uriTooLong, code: "uri_too_long", message: "the request target is too long")
        case .headerOverflow:
            return HTTPRefusal(
                status: .requestHeaderFieldsTooLarge,
                code: "headers_too_large",
                message: "the request headers are too large or too many"
            )
        default:
            return HTTPRefusal(status: .badRequest, code: "bad_request", message: "the request is not valid HTTP/1.1: \(reason(error))")
        }
    }

    private static func reason(_ error: HTTPParserError) -> String {
        switch error {
        case .lfExpected, .strictModeAssertion: return "every line must end with CRLF"
        case .invalidHeaderToken: return "a header has a character HTTP does not allow (or is folded onto a second line)"
        case .invalidContentLength: return "Content-Length must be one non-negative number"
        case .unexpectedContentLength: return "Content-Length and Transfer-Encoding must not both be sent"
        case .invalidChunkSize: return "a chunk size is not a hexadecimal number"
        case .invalidURL: return "the request target is not a valid URI"
        case .invalidVersion: return "the HTTP version is not 1.0 or 1.1"
        default: return "malformed request (\(error))"
        }
    }

    /// The whole answer as response parts.
    func parts() -> (HTTPResponseHead, ByteBuffer) {
        let body = ByteBuffer(string: #"{"error":"\#(code)","message":"\#(message)"}"#)
        let headers = HTTPHeaders([
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", "\(body.readableBytes)"),
            ("Connection", "close"),
        ])
        return (HTTPResponseHead(version: .http1_1, status: status, headers: headers), body)
    }
}
