import Foundation
import Hummingbird
import NIOCore
import SwitchboardCore

// Inbound webhooks: another system posts a signed JSON message to a `webhook` connector.
// Like gateway callbacks, these routes sit before the login middleware; the signature
// (`X-Switchboard-Signature`, see the webhook engine's `WebhookSignature`) is the proof, and
// it is checked over the exact bytes before the body is parsed.

extension HTTPFieldName {
    static let switchboardSignature = HTTPFieldName("X-Switchboard-Signature")!
}

/// The body another system posts: who wrote, what, and optionally its own event id.
struct WebhookInboundBody: APIRequestBody {
    var from: String
    var text: String
    var id: String?
    static let shape = JSONShape.keys("from", "text", "id")
}

extension APIEnvironment {
    static let maxWebhookEventIDLength = 200

    func addWebhookRoutes(to router: Router<Context>) {
        router.post("/api/v1/connectors/{name}/webhook") { request, context in try await webhookInbound(request, context) }
    }

    /// A signed message from another system: 202 once committed (and routed). In order, each
    /// refusal commits nothing: no signature header 401, unknown connector 404, not JSON 415,
    /// body over the connector's `max_body_bytes` 413, an address that sent too many bad
    /// signatures 429 (`AuthThrottle`), bad or stale signature 401, malformed
    /// JSON or unknown fields 400, a bad `from`/`text`/`id` 422, and a request already
    /// received within the tolerance window (same `id`, or same signature) 409 `replayed`.
    /// Every refusal is logged at warning level with its reason (never the signature or body).
    func webhookInbound(_ request: Request, _ context: Context) async throws -> Response {
        let name = try context.parameters.require("name")
        do {
            return try await acceptWebhook(request, context, connector: name)
        } catch let error as APIError {
            Self.logRefusal(status: error.status.code, code: error.code, reason: error.message, name, context)
            throw error
        } catch let error as SwitchboardError {
            Self.logRefusal(status: nil, code: error.code, reason: error.message, name, context)
            throw error
        }
    }

    static func logRefusal(status: Int?, code: String, reason: String, _ connector: String, _ context: Context) {
        context.logger.warning(
            "webhook refused",
            metadata: [
                "connector": "\(connector)", "status": "\(status.map(String.init) ?? "-")", "code": "\(code)", "reason": "\(reason)",
                "address": "\(context.clientAddress)",
            ]
        )
    }

    func acceptWebhook(_ request: Request, _ context: Context, connector name: String) async throws -> Response {
        let header = request.headers[.switchboardSignature]
        guard let header, !header.isEmpty else {
            throw APIError(
                .unauthorized,
                "missing_signature",
                "the X-Switchboard-Signature header is missing; send t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">"
            )
        }
        guard let connector = hub.connectors[name] as? any WebhookReceiver else {
            throw APIError.notFound("unknown_connector", "no connector named '\(name)' takes webhooks")
        }
        guard let type = request.headers[.contentType]?.lowercased(),
            type.split(separator: ";").first?.trimmingCharacters(in: .whitespaces) == "application/json"
        else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "send the body as application/json")
        }
        let bytes = try await Self.collect(request, limit: connector.maxInboundBytes)
        let attempt = try throttle.beginConnector(name, address: context.clientAddress, logger: context.logger)
        let proof: WebhookProof
        do {
            proof = try connector.verifySignature(header, body: bytes, now: Date())
        } catch {
            throttle.finish(attempt, succeeded: false, logger: context.logger)
            throw APIError(.unauthorized, error.code, error.message)
        }
        throttle.finish(attempt, succeeded: true, logger: context.logger)
        let body = try Request.decode(WebhookInboundBody.self, from: bytes).value
        let from: Address
        do { from = try Address(parsing: body.from) } catch {
            throw APIError.unprocessable("invalid_from", "'from' is not an address: \(error.description)")
        }
        if body.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw APIError.unprocessable("missing_text", "'text' must not be empty")
        }
        if let id = body.id, !(1...Self.maxWebhookEventIDLength).contains(id.utf8.count) || !id.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) {
            throw APIError.unprocessable("invalid_id", "'id' must be 1 to \(Self.maxWebhookEventIDLength) printable ASCII characters without spaces")
        }
        // The sender's own id names the event across retries it signs anew; without one, the
        // signature names this exact request.
        let key = body.id.map { "id:\($0)" } ?? "sig:\(proof.signature)"
        let inbound = InboundMessage(
            connector: name,
            from: from,
            text: body.text,
            receivedAt: Date(),
            replayKey: ReplayKey(connector: name, key: key, expiresAt: proof.rememberUntil)
        )
        let result = try await hub.receive(inbound)
        context.logger.info("inbound webhook", metadata: ["connector": "\(name)", "message": "\(result.messageID)"])
        return try .json(WebhookAcceptedView(messageId: result.messageID, inboxItemId: result.inboxItemID), status: .accepted)
    }

    /// The whole body, or 413 naming the connector's limit before reading more than it.
    static func collect(_ request: Request, limit: Int) async throws -> [UInt8] {
        let tooLarge = APIError(.contentTooLarge, "body_too_large", "the body is larger than this connector's max_body_bytes (\(limit) bytes)")
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge }
        do {
            return Array(try await request.body.collect(upTo: limit).readableBytesView)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
    }
}
