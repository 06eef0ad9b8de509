import Crypto
import Foundation
import Hummingbird
import SwitchboardCore

// Gateway callbacks: an SMS gateway (Kannel's sms-service `get-url`, its `dlr-url`) hands the
// hub inbound messages and delivery reports. A gateway cannot log in, so these routes sit
// before the authentication middleware and are proved instead by the connector's own secret
// (`secret` parameter or `X-Switchboard-Secret` header), compared in constant time. The secret
// is in the query string, which `RequestLogMiddleware` never logs.

extension HTTPFieldName {
    static let switchboardSecret = HTTPFieldName("X-Switchboard-Secret")!
    static let switchboardMessageID = HTTPFieldName("X-Switchboard-Message-Id")!
}

/// What the hub made of a delivery report.
struct DeliveryReportView: Encodable {
    var deliveryId: String
    /// The delivery's status after the report.
    var status: String
    /// What the gateway reported.
    var report: String
}

extension APIEnvironment {
    func addConnectorRoutes(to router: Router<Context>) {
        router.get("/api/v1/connectors/{name}/inbound") { request, context in try await gatewayInbound(request, context) }
        router.post("/api/v1/connectors/{name}/inbound") { request, context in try await gatewayInbound(request, context) }
        router.get("/api/v1/connectors/{name}/dlr") { request, context in try await gatewayReport(request, context) }
        router.post("/api/v1/connectors/{name}/dlr") { request, context in try await gatewayReport(request, context) }
    }

    /// An inbound message from a gateway: committed (and routed) before the answer, so a
    /// gateway that gets 200 may forget it. The answer's body is empty, because Kannel sends a
    /// non-empty body back to the sender as a reply SMS (unless its sms-service has
    /// `max-messages = 0`); the message id is in `X-Switchboard-Message-Id`. Bad parameters are
    /// 400 and store nothing.
    func gatewayInbound(_ request: Request, _ context: Context) async throws -> Response {
        let (connector, parameters) = try await authenticatedCallback(request, context)
        let inbound: InboundMessage
        do {
            inbound = try connector.inboundMessage(from: parameters, receivedAt: Date())
        } catch {
            throw Self.refused(APIError.badRequest(error.code, error.message), "inbound message", connector.name, context)
        }
        let result = try await hub.receive(inbound)
        context.logger.info(
            "inbound message from gateway",
            metadata: [
                "connector": "\(connector.name)", "message": "\(result.messageID)", "disposition": "\(result.disposition.rawValue)",
            ]
        )
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .switchboardMessageID: result.messageID])
    }

    /// A delivery report for one of the connector's deliveries: 404 for a delivery it did not
    /// send, 409 for a report that contradicts a final status, 200 (also for a repeat) otherwise.
    func gatewayReport(_ request: Request, _ context: Context) async throws -> Response {
        let (connector, parameters) = try await authenticatedCallback(request, context)
        let report: DeliveryReport
        do {
            report = try connector.deliveryReport(from: parameters)
        } catch {
            throw Self.refused(APIError.badRequest(error.code, error.message), "delivery report", connector.name, context)
        }
        let delivery = try await hub.deliveryReport(
            connector: connector.name,
            deliveryID: report.deliveryID,
            status: report.status,
            detail: report.detail
        )
        return try .json(DeliveryReportView(deliveryId: delivery.id, status: delivery.status.rawValue, report: report.status.rawValue))
    }

    /// The connector named in the path and the callback's parameters (query and form body),
    /// once the secret is proved. No secret is 401 before anything is looked up; a connector
    /// that does not exist or takes no callbacks is 404; a wrong secret is 401, and an address
    /// that sent too many wrong ones is 429 with `Retry-After` (see `AuthThrottle`).
    func authenticatedCallback(_ request: Request, _ context: Context) async throws -> (any CallbackConnector, CallbackParameters) {
        let name = try context.parameters.require("name")
        let what = request.uri.path.hasSuffix("/dlr") ? "delivery report" : "inbound message"
        var parameters = CallbackParameters()
        do {
            if let query = request.uri.query { try parameters.add(urlEncoded: Array(query.utf8)) }
            if request.method == .post {
                let body = Array(try await request.collectBody(limit: maxBodyBytes).readableBytesView)
                if !body.isEmpty {
                    guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
                        throw APIError(.unsupportedMediaType, "unsupported_media_type", "send the parameters as application/x-www-form-urlencoded")
                    }
                    try parameters.add(urlEncoded: body)
                }
            }
        } catch let error as SwitchboardError {
            throw Self.refused(APIError.badRequest(error.code, error.message), what, name, context)
        } catch let error as APIError {
            throw Self.refused(error, what, name, context)
        }
        guard let given = request.headers[.switchboardSecret] ?? parameters.string("secret"), !given.isEmpty else {
            throw Self.refused(
                Self.callbackUnauthorized("the connector's secret is missing: send it as the 'secret' parameter or the X-Switchboard-Secret header"),
                what,
                name,
                context
            )
        }
        guard let connector = hub.connectors[name] as? any CallbackConnector, let secret = connector.callbackSecret else {
            throw Self.refused(APIError.notFound("unknown_connector", "no connector named '\(name)' takes gateway callbacks"), what, name, context)
        }
        // An address that keeps sending wrong secrets is refused (429) before its next one is compared.
        let attempt = try throttle.beginConnector(name, address: context.clientAddress, logger: context.logger)
        guard Self.sameSecret(given, secret) else {
            throttle.finish(attempt, succeeded: false, logger: context.logger)
            throw Self.refused(Self.callbackUnauthorized("the secret is not this connector's"), what, name, context)
        }
        throttle.finish(attempt, succeeded: true, logger: context.logger)
        return (connector, parameters)
    }

    /// Logs a refused gateway callback at warning level with its reason and returns the
    /// error: a gateway does not retry a 4xx, so a refusal may be a message lost for good,
    /// and an operator must be able to find out why. The secret is never logged.
    static func refused(_ error: APIError, _ what: String, _ connector: String, _ context: Context) -> APIError {
        context.logger.warning(
            "gateway \(what) refused",
            metadata: ["connector": "\(connector)", "status": "\(error.status.code)", "code": "\(error.code)", "reason": "\(error.message)"]
        )
        return error
    }

    static func callbackUnauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, "unauthorized", message)
    }

    /// Compares SHA-256 digests byte by byte without stopping early, so neither the time taken
    /// nor the secrets' lengths tell how much of a guess was right.
    static func sameSecret(_ given: String, _ expected: String) -> Bool {
        let a = SHA256.hash(data: Data(given.utf8))
        let b = SHA256.hash(data: Data(expected.utf8))
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
