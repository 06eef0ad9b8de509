import Foundation
import Hummingbird
import SwitchboardCore

// The send screen (`/send`): recipients with completion, the plain text with its SMS counter,
// the rich text with its small editor and attachments, subject, severity, a template and its
// data; the pre-send report comes from `POST /api/v1/messages/preview`. The page's script
// sends JSON here (attachments, rich text); without scripts the form posts the basic fields.

/// The send form as a browser posts it without scripts.
struct SendForm: CSRFCarryingForm {
    var csrf: String?
    var idempotencyKey: String?
    /// Recipients, one per line (commas also separate).
    var to: String?
    var subject: String?
    var severity: String?
    var text: String?
    var template: String?
    /// Each template's fields, by template: `data[TEMPLATE][FIELD]`.
    var data: [String: [String: String]]?

    enum CodingKeys: String, CodingKey {
        case csrf = "_csrf"
        case idempotencyKey = "idempotency_key"
        case to, subject, severity, text, template, data
    }
}

extension APIEnvironment {
    func addWebSendRoutes(to pages: RouterGroup<Context>) {
        pages.get("/send") { request, context in try await sendPage(request, context) }
        pages.post("/send") { request, context in try await sendFromPage(request, context) }
    }

    /// Attachment bytes that fit in one request body once base64 (4/3) and the rest of the
    /// message (up to 64 KiB) are counted.
    var maxAttachmentBytes: Int { max(0, (maxBodyBytes - 64 * 1024) / 4 * 3) }

    /// The send page, empty or with what a form post brought back (and why it was refused).
    /// `?to=` (repeatable) fills in recipients, so other pages can link to it.
    func sendPage(
        _ request: Request,
        _ context: Context,
        form: SendForm? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        _ = try context.requireUser()
        let given = request.uri.queryParameters.getAll("to")
        let chosenTemplate = form?.template ?? ""
        let severity = form?.severity ?? Severity.info.rawValue
        let pickable = templates.names.enumerated().map { index, name -> [String: Any] in
            let fields = templates.fields(name).enumerated().map { n, field -> [String: Any] in
                [
                    "id": "template-\(index)-\(n)", "name": field, "inputName": "data[\(name)][\(field)]",
                    "value": form?.data?[name]?[field] ?? "",
                ]
            }
            return ["name": name, "fields": fields, "hasFields": !fields.isEmpty, "selected": name == chosenTemplate]
        }
        var values: [String: Any] = [
            "to": form?.to ?? given.joined(separator: "\n"),
            "subject": form?.subject ?? "",
            "text": form?.text ?? "",
            "severities": Severity.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == severity] },
            "templates": pickable,
            "hasTemplates": !pickable.isEmpty,
            "idempotencyKey": form?.idempotencyKey ?? Identifier.make(),
            "maxAttachmentBytes": "\(maxAttachmentBytes)",
            "maxAttachmentKB": "\(maxAttachmentBytes / 1024)",
        ]
        if let error { values["error"] = error }
        return try await render(
            WebPage(template: "send", title: web.texts["send_title"], page: "send", values: values, scripts: ["send.js"], status: status),
            request,
            context
        )
    }

    /// A send from the page: the page's script posts JSON (the API's body, with the rich text
    /// and attachments) and gets the message's page to go to; a form without scripts posts
    /// the basic fields and is sent there. Either way the session, the origin and the CSRF
    /// token are checked, the rich HTML is cleaned by `HTMLSanitizer`, and the idempotency key
    /// the page was given makes a double click send once.
    func sendFromPage(_ request: Request, _ context: Context) async throws -> Response {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/json") else { return try await sendForm(request, context) }
        let user = try context.requireUser()
        try checkPageRequest(request, context, token: request.headers[CSRFToken.header])
        let key = try idempotencyKey(request)
        let decoded = try await request.decodeBody(SendMessageBody.self, limit: maxBodyBytes)
        var body = try sendRequest(decoded.value, data: decoded.json["data"])
        body.html = Self.cleanHTML(body.html)
        let acceptance = try await hub.send(body, sender: user.username, idempotencyKey: key)
        let page = "/messages/\(acceptance.record.message.id)"
        return try .json(SentFromPageView(AcceptanceView(acceptance.record), location: page), status: .accepted, headers: [.location: page])
    }

    func sendForm(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let form = try await csrfCheckedForm(SendForm.self, request, context)
        let to = (form.to ?? "").split(whereSeparator: { $0.isNewline || $0 == "," })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let template = form.template.flatMap { $0.isEmpty ? nil : $0 }
        let subject = form.subject.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        guard let severity = Severity(rawValue: form.severity ?? "info") else {
            return try await sendPage(request, context, form: form, error: web.texts["send_bad_severity"], status: .unprocessableContent)
        }
        let key = form.idempotencyKey.flatMap { $0.isEmpty ? nil : $0 }
        do {
            let body: SendRequest
            if let template {
                // An empty field is null: nothing in a variable, a section left closed.
                let data = (form.data?[template] ?? [:]).mapValues { $0.isEmpty ? JSONValue.null : .string($0) }
                let given = SendMessageBody(to: to, subject: subject, severity: severity, template: template)
                body = try sendRequest(given, data: .object(data))
            } else {
                body = try sendRequest(SendMessageBody(to: to, text: form.text ?? "", subject: subject, severity: severity), data: nil)
            }
            let acceptance = try await hub.send(body, sender: user.username, idempotencyKey: key)
            return Response(status: .seeOther, headers: [.location: "/messages/\(acceptance.record.message.id)"])
        } catch let error as SwitchboardError where [.invalid, .conflict, .notFound].contains(error.kind) {
            return try await sendPage(request, context, form: form, error: error.message, status: .unprocessableContent)
        } catch let error as APIError where error.status.code < 500 {
            return try await sendPage(request, context, form: form, error: error.message, status: .unprocessableContent)
        }
    }

    /// The rich text as it leaves: cleaned by the allow-list; nothing left means no HTML part.
    static func cleanHTML(_ html: String?) -> String? {
        guard let html else { return nil }
        let clean = HTMLSanitizer.sanitize(html)
        return clean.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : clean
    }
}

/// The answer to the page's send: the acceptance and the message page to go to.
struct SentFromPageView: Encodable {
    var id: String
    var deliveries: [AcceptanceView.DeliverySummary]
    var warnings: [String]
    var location: String

    init(_ acceptance: AcceptanceView, location: String) {
        id = acceptance.id
        deliveries = acceptance.deliveries
        warnings = acceptance.warnings
        self.location = location
    }
}
