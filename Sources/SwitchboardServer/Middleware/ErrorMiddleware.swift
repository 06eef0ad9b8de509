import Hummingbird
import Logging
import NIOCore
import SwitchboardCore

/// Turns every error into the API's `{"error": code, "message": text}` answer. Errors the
/// hub and the API raise on purpose keep their code and message; anything else becomes a
/// generic 500 whose detail is logged and never sent, so no internal state leaks.
///
/// A write that fails because the store is out of disk space is 507 `storage_full` (with
/// `Retry-After`), and marks `storage` full for `/health` until a write succeeds again.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    var storage = StorageHealth()
    var dataDirectory = ""

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            if request.method != .get, request.method != .head, response.status.code < 400 { storage.writeSucceeded() }
            return response
        } catch {
            let apiError = Self.apiError(for: error, request: request, logger: context.logger, dataDirectory: dataDirectory)
            if apiError == .storageFull { storage.writeFailedForSpace() }
            return try Response.json(
                ErrorBody(error: apiError.code, message: apiError.message),
                status: apiError.status,
                headers: apiError.headers
            )
        }
    }

    struct ErrorBody: Encodable {
        var error: String
        var message: String
    }

    static func apiError(for error: any Error, request: Request, logger: Logger, dataDirectory: String = "") -> APIError {
        if !dataDirectory.isEmpty, StorageHealth.isOutOfSpace(error, dataDirectory: dataDirectory) {
            logger.error("the store is out of disk space", metadata: ["error": "\(error)", "data_dir": "\(dataDirectory)"])
            return .storageFull
        }
        switch error {
        case let e as APIError:
            return e
        case let e as SwitchboardError:
            if e.kind == .internal { logger.error("hub error", metadata: ["error": "\(e)"]) }
            return APIError(e)
        case let e as AddressError:
            return APIError(e)
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, "body_too_large", "request body is too large")
        case let e as HTTPError:
            return fromHTTP(status: e.status, message: e.body, headers: e.headers, request: request)
        case let e as any HTTPResponseError:
            return fromHTTP(status: e.status, message: nil, headers: [:], request: request)
        default:
            logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return .unexpected
        }
    }

    static func fromHTTP(status: HTTPResponse.Status, message: String?, headers: HTTPFields, request: Request) -> APIError {
        switch status {
        case .notFound:
            return APIError(.notFound, "not_found", "no route for \(request.method) \(request.uri.path)", headers: headers)
        case .contentTooLarge:
            return APIError(status, "body_too_large", message ?? "request body is too large", headers: headers)
        case .unauthorized:
            return APIError(status, "unauthorized", message ?? "authentication required", headers: headers)
        default:
            let code = status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
            return APIError(status, code.isEmpty ? "http_\(status.code)" : code, message ?? status.reasonPhrase, headers: headers)
        }
    }
}
