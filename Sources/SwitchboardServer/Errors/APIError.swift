import Hummingbird
import SwitchboardCore

/// An error that is already an HTTP answer: status, machine code and a message a person can
/// act on. Everything the API throws ends up as one of these (see `ErrorMiddleware`), so
/// every failure has the same `{"error": code, "message": text}` shape.
struct APIError: Error, Equatable, CustomStringConvertible {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    var description: String { "\(status.code) \(code): \(message)" }

    static func badRequest(_ code: String, _ message: String) -> APIError { .init(.badRequest, code, message) }
    static func invalidJSON(_ message: String) -> APIError { .init(.badRequest, "invalid_json", message) }
    static func unprocessable(_ code: String, _ message: String) -> APIError { .init(.unprocessableContent, code, message) }
    static func notFound(_ code: String, _ message: String) -> APIError { .init(.notFound, code, message) }
    static func forbidden(_ message: String) -> APIError { .init(.forbidden, "forbidden", message) }
    static func conflict(_ code: String, _ message: String) -> APIError { .init(.conflict, code, message) }

    /// Missing or bad credentials; the header tells clients which scheme to use.
    static func unauthorized(_ message: String = "authentication required: send a session cookie or 'Authorization: Bearer <token>'") -> APIError {
        .init(.unauthorized, "unauthorized", message, headers: [.wwwAuthenticate: #"Bearer realm="switchboard""#])
    }

    static func bodyTooLarge(limit: Int) -> APIError {
        .init(
            .contentTooLarge,
            "body_too_large",
            "request body is larger than \(limit) bytes (server.max_body_bytes); attachments count base64-encoded"
        )
    }

    /// The hub's own errors map by kind; their codes and messages are written for callers.
    init(_ error: SwitchboardError) {
        switch error.kind {
        case .invalid: self.init(.unprocessableContent, error.code, error.message)
        case .notFound: self.init(.notFound, error.code, error.message)
        case .conflict: self.init(.conflict, error.code, error.message)
        case .unauthorized:
            self.init(.unauthorized, error.code, error.message, headers: [.wwwAuthenticate: #"Bearer realm="switchboard""#])
        case .forbidden: self.init(.forbidden, error.code, error.message)
        case .unavailable: self.init(.serviceUnavailable, error.code, error.message)
        case .internal: self = .unexpected
        }
    }

    init(_ error: AddressError) {
        self.init(.unprocessableContent, "invalid_address", error.description)
    }

    /// A write the store could not take for want of disk space: nothing of it was saved.
    static let storageFull = APIError(
        .init(code: 507, reasonPhrase: "Insufficient Storage"),
        "storage_full",
        "the hub's store is out of disk space; nothing was saved; try again once space is freed on storage.data_dir",
        headers: [.retryAfter: "30"]
    )

    /// What a caller sees for anything unexpected; the detail goes only to the log.
    static let unexpected = APIError(.internalServerError, "internal", "the server failed to handle the request; the error has been logged")
}
