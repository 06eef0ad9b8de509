import Hummingbird
import SwitchboardCore

// Sending messages and following their deliveries.

/// A send request as the API takes it: Core's `SendRequest`, or a template and its data that
/// become one (`MessageTemplates`).
struct SendMessageBody: APIRequestBody {
    var to: [String]
    var text: String?
    var subject: String?
    var html: String?
    var severity: Severity?
    var attachments: [Attachment]?
    var template: String?

    static let shape = JSONShape.object([
        "to": .any, "text": .any, "subject": .any, "html": .any, "severity": .any,
        "attachments": .array(of: .keys("filename", "content_type", "data")),
        "template": .any, "data": .any,
    ])
}

extension APIEnvironment {
    static let maxIdempotencyKeyLength = 255

    func addMessageRoutes(to api: RouterGroup<Context>) {
        api.post("/messages") { request, context in try await sendMessage(request, context) }
        api.post("/messages/preview") { request, context in try await previewMessage(request, context) }
        api.get("/messages/{id}") { request, context in try await message(request, context) }
        api.get("/messages/{id}/deliveries") { request, context in try await messageDeliveries(request, context) }
    }

    /// Accepts a message: 202 once it and its deliveries are committed. With an
    /// `Idempotency-Key` a retried request returns the first answer (with
    /// `Idempotent-Replayed: true`) and sends nothing twice; the key reused for a different
    /// request is 409. A replay shows the deliveries' current status.
    func sendMessage(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let key = try idempotencyKey(request)
        let decoded = try await request.decodeBody(SendMessageBody.self, limit: maxBodyBytes)
        let body = try sendRequest(decoded.value, data: decoded.json["data"])
        let acceptance = try await hub.send(body, sender: user.username, idempotencyKey: key)
        var headers: HTTPFields = [.location: "/api/v1/messages/\(acceptance.record.message.id)"]
        if acceptance.replayed { headers[.idempotentReplayed] = "true" }
        return .json(bytes: AcceptanceJSON.single(AcceptanceView(acceptance.record)), status: .accepted, headers: headers)
    }

    /// The pre-send report for the body `sendMessage` takes (template included): who gets
    /// what on which channel, who cannot be reached and why, the SMS the text costs. Stores
    /// and sends nothing; a body `sendMessage` would refuse as malformed is refused the same.
    func previewMessage(_ request: Request, _ context: Context) async throws -> Response {
        _ = try context.requireUser()
        let decoded = try await request.decodeBody(SendMessageBody.self, limit: maxBodyBytes)
        let body = try sendRequest(decoded.value, data: decoded.json["data"])
        return try .json(SendPreviewView(try await hub.preview(body), request: body))
    }

    /// The request to send: as given, or with subject, text and HTML rendered from a template.
    /// With a template, `text` and `html` come from it (giving them too is 400
    /// `template_conflict`), and a `subject` given overrides the template's.
    func sendRequest(_ body: SendMessageBody, data: JSONValue?) throws -> SendRequest {
        guard let name = body.template else {
            if data != nil { throw APIError.badRequest("unexpected_data", "'data' is only used with 'template'") }
            guard let text = body.text else { throw APIError.invalidJSON("missing required field 'text' (or name a 'template')") }
            return SendRequest(
                to: body.to,
                text: text,
                subject: body.subject,
                html: body.html,
                severity: body.severity,
                attachments: body.attachments
            )
        }
        if body.text != nil || body.html != nil {
            throw APIError.badRequest("template_conflict", "with 'template', the text and HTML come from the template; leave out 'text' and 'html'")
        }
        let rendered = try templates.render(name, data: data)
        return SendRequest(
            to: body.to,
            text: rendered.text,
            subject: body.subject ?? rendered.subject,
            html: rendered.html,
            severity: body.severity,
            attachments: body.attachments
        )
    }

    /// Printable ASCII, 1 to 255 characters (a UUID is typical); absent means no idempotency.
    func idempotencyKey(_ request: Request) throws -> String? {
        let values = request.headers[values: .idempotencyKey]
        guard let key = values.first else { return nil }
        guard values.count == 1, (1...Self.maxIdempotencyKeyLength).contains(key.utf8.count),
            key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E })
        else {
            throw APIError.badRequest(
                "invalid_idempotency_key",
                "Idempotency-Key must be given once, as 1 to \(Self.maxIdempotencyKeyLength) printable ASCII characters without spaces"
            )
        }
        return key
    }

    /// A message's deliveries a page holds (`limit`; as the message page shows, unless asked).
    static let messageDeliveryLimits = 1...1000
    static let messageDeliveryPage = 200

    /// A message with the first page of its deliveries (`limit`, 200 unless asked) and the
    /// counts by status of all of them, if the caller may see it (else 404, so ids of other
    /// people's messages are not confirmed). `/messages/{id}/deliveries` goes on from
    /// `deliveries_next_cursor`.
    func message(_ request: Request, _ context: Context) async throws -> Response {
        let query = try QueryParameters(request, allowed: ["limit"])
        let record = try await readableMessage(context)
        let limit = try query.int("limit", in: Self.messageDeliveryLimits) ?? Self.messageDeliveryPage
        let page = try await store.deliveries(messageID: record.message.id, limit: limit, after: nil)
        let counts = try await store.deliveryCounts(messageID: record.message.id)
        return try .json(MessageView(record, page: page, counts: counts))
    }

    /// A page of a message's deliveries in the message's order (`limit`, 200 unless asked;
    /// `cursor` a `next_cursor`, or the message's `deliveries_next_cursor`).
    func messageDeliveries(_ request: Request, _ context: Context) async throws -> Response {
        let query = try QueryParameters(request, allowed: ["limit", "cursor"])
        let record = try await readableMessage(context)
        let limit = try query.int("limit", in: Self.messageDeliveryLimits) ?? Self.messageDeliveryPage
        let page = try await Self.cursorChecked {
            try await store.deliveries(messageID: record.message.id, limit: limit, after: query.string("cursor"))
        }
        return try .json(CursorPageView(items: page.deliveries.map(DeliveryView.init), nextCursor: page.nextCursor))
    }

    /// The message of the path without its deliveries, if the caller may read it; else 404.
    func readableMessage(_ context: Context) async throws -> MessageRecord {
        let user = try context.requireUser()
        let id = try context.parameters.require("id")
        guard let record = try await store.messageWithoutDeliveries(id: id), try await may(user, read: record.message) else {
            throw APIError.notFound("message_not_found", "no message with id '\(id)'")
        }
        return record
    }

    /// Who may read a message through `/messages/{id}`:
    /// - admins: every message;
    /// - the user who sent it;
    /// - a message the hub itself sent for inbound traffic (auto-replies, forwards,
    ///   conversation steps; sender `connector:NAME`): whoever may see what it answers
    ///   (`Hub.replyAudience`): every user for a message in the common inbox, only its owner
    ///   for one in a user's own inbox or a conversation linked to a user.
    /// Inbound messages are read through the inbox, whose per-user privacy this keeps.
    func may(_ user: UserAccount, read message: Message) async throws -> Bool {
        if user.role == .admin { return true }
        guard message.direction == .outbound, let sender = message.sender else { return false }
        if sender == user.username { return true }
        guard sender.hasPrefix("connector:") else { return false }
        return try await hub.replyAudience(of: message).admits(user.username)
    }
}
