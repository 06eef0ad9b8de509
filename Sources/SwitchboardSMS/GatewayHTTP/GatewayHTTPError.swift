import NIOCore

/// Why a `GatewayHTTPClient` request failed.
///
/// Why a struct over an internal enum (postgres-nio's `PSQLError` shape): the engine decides
/// on the code (a refusal after shutdown reads differently from a lost connection), and codes
/// can be added without breaking a `switch` elsewhere. `underlying` keeps the socket or TLS
/// error for the message; it is never a credential (requests are not kept).
struct GatewayHTTPError: Error, Sendable, CustomStringConvertible {
    struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Sendable, Hashable {
            case shutdown, connectTimeout, deadlineExceeded, connectFailed, closedBeforeWrite
            case connectionLost, responseTooLarge, unexpectedResponse, cancelled
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The client is shutting down or shut down: nothing was sent.
        static let shutdown = Code(.shutdown)
        /// No connection within the request's time.
        static let connectTimeout = Code(.connectTimeout)
        /// Connected, but no whole answer within the request's time; the connection is closed.
        static let deadlineExceeded = Code(.deadlineExceeded)
        /// The connection was refused or could not be made (DNS, TLS setup): fails at once.
        static let connectFailed = Code(.connectFailed)
        /// The kept-alive connection had closed before any byte of the request was written;
        /// the client retries such a request once on a new connection.
        static let closedBeforeWrite = Code(.closedBeforeWrite)
        /// The connection closed or failed after the request was (partly) written: the
        /// gateway may have acted on it, so it is never resent here.
        static let connectionLost = Code(.connectionLost)
        /// The answer's body is larger than the client's limit.
        static let responseTooLarge = Code(.responseTooLarge)
        /// Bytes that are not an answer to the request under way.
        static let unexpectedResponse = Code(.unexpectedResponse)
        /// The caller's task was cancelled; the connection is closed.
        static let cancelled = Code(.cancelled)

        var description: String { "\(base)" }
    }

    var code: Code
    /// What the message says beyond the code (the limit, the socket error).
    var detail: String?
    var underlying: (any Error)?

    init(_ code: Code, detail: String? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.detail = detail
        self.underlying = underlying
    }

    var description: String {
        var text = "\(code)"
        if let detail { text += ": \(detail)" }
        if let underlying { text += " (\(underlying))" }
        return text
    }
}
