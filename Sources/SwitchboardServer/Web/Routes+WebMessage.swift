import Foundation
import Hummingbird
import SwitchboardCore

// A message's own page: an inbox item (text, HTML part sanitized and framed without scripts,
// attachments as downloads, a reply box), and a message the hub sent (its deliveries, each
// with status, attempts and the history of its attempts).

extension APIEnvironment {
    func addWebMessageRoutes(to pages: RouterGroup<Context>) {
        pages.get("/inbox/{id}") { request, context in try await inboxMessagePage(request, context) }
        pages.get("/inbox/{id}/html") { _, context in try await htmlPart(context) }
        pages.get("/inbox/{id}/attachments/{n}") { _, context in try await attachment(context) }
        pages.post("/inbox/{id}/reply") { request, context in try await replyForm(request, context) }
        pages.get("/messages/{id}") { request, context in try await sentMessagePage(request, context) }
    }

    /// The item, or the error page to answer with when the caller may not see it.
    enum WebItem {
        case found(InboxItem)
        case page(Response)
    }

    func webItem(_ request: Request, _ context: Context) async throws -> WebItem {
        do {
            return .found(try await visibleInboxItem(context))
        } catch let error as APIError where error.status == .notFound {
            return .page(try await errorPage(web.texts["error_message_not_found"], status: .notFound, request, context))
        }
    }

    /// Opening an item marks it read for the viewer.
    func inboxMessagePage(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let item: InboxItem
        switch try await webItem(request, context) {
        case .found(let found): item = found
        case .page(let page): return page
        }
        if !item.read { _ = try await store.markRead(itemID: item.id, username: user.username) }
        let message = item.message
        let names = try await contactNames(for: [item])
        let row = InboxRow(item, contactName: message.origin.flatMap { names[$0.from.description] }, noText: "")
        var values = messageValues(message, heading: message.subject, time: item.receivedAt, timeLabel: web.texts["message_received"])
        values["fromName"] = row.fromName
        if row.fromName != row.from { values["fromAddress"] = row.from }
        values["channel"] = row.channel
        values["connector"] = row.connector
        values["form"] = row.form
        values["backLink"] = item.owner == nil ? "/" : "/mine"
        if message.html != nil { values["htmlURL"] = "/inbox/\(item.id)/html" }
        values["attachments"] = message.attachments.enumerated().map { index, a in
            ["href": "/inbox/\(item.id)/attachments/\(index)", "filename": a.filename, "type": a.contentType, "size": "\(a.data.count)"]
        }
        if let origin = message.origin {
            values["reply"] = ["action": "/inbox/\(item.id)/reply", "to": origin.from.description, "connector": origin.connector]
        }
        let title = message.subject ?? web.texts["message_title"]
        return try await render(WebPage(template: "message", title: title, page: "message", values: values), request, context)
    }

    func messageValues(_ message: Message, heading: String?, time: Date, timeLabel: String) -> [String: Any] {
        var values: [String: Any] = [
            "heading": heading ?? web.texts["message_title"],
            "text": message.text,
            "timeLabel": timeLabel,
            "timeISO": time.formatted(Date.ISO8601FormatStyle()),
            "time": Self.label(time),
            "hasAttachments": !message.attachments.isEmpty,
        ]
        if let to = message.origin?.to { values["to"] = to.description }
        return values
    }

    static func label(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle()).prefix(16).replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    /// The HTML part, sanitized by `HTMLSanitizer`, as a document of its own for the page's
    /// sandboxed frame: its policy allows nothing to run or load, and only the hub may frame it.
    func htmlPart(_ context: Context) async throws -> Response {
        let item = try await visibleInboxItem(context)
        let body = HTMLSanitizer.sanitize(item.message.html ?? "")
        let html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>-</title></head><body>\(body)</body></html>"
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .contentSecurityPolicy: "default-src 'none'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox",
                WebHeadersMiddleware.frameOptions: "SAMEORIGIN",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    /// An attachment, always as a download (`Content-Disposition: attachment`, `nosniff`, a
    /// sandboxing policy), so a file someone sent is never shown as a page of the hub.
    func attachment(_ context: Context) async throws -> Response {
        let item = try await visibleInboxItem(context)
        let raw = try context.parameters.require("n")
        guard let index = Int(raw), item.message.attachments.indices.contains(index) else {
            throw APIError.notFound("attachment_not_found", "no attachment \(raw) in this message")
        }
        let file = item.message.attachments[index]
        let type = Self.isPlainMediaType(file.contentType) ? file.contentType : "application/octet-stream"
        let ascii = String(file.filename.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
        let encoded = file.filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "file"
        return Response(
            status: .ok,
            headers: [
                .contentType: type,
                .contentDisposition: "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)",
                .contentSecurityPolicy: "default-src 'none'; sandbox",
                .xContentTypeOptions: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: file.data))
        )
    }

    static func isPlainMediaType(_ type: String) -> Bool {
        let parts = type.split(separator: "/")
        let allowed = { (c: Character) in c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "+" || c == "-") }
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(allowed) }
    }

    /// A reply from the message page: to the sender on the connector the message came in on,
    /// or to another address by that address's own channel; then the sent message's page.
    func replyForm(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let form = try await csrfCheckedForm(ActionForm.self, request, context)
        let item = try await visibleInboxItem(context)
        let text = form.text ?? ""
        let to = form.to?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, !to.isEmpty else {
            return try await errorPage(web.texts["message_reply_text"] + ": ?", status: .unprocessableContent, request, context)
        }
        let origin = item.message.origin
        let sameAddress = origin.map { (try? Address(parsing: to)) == $0.from } ?? false
        let acceptance: Acceptance
        do {
            acceptance = try await hub.send(
                SendRequest(to: [to], text: text, subject: item.message.subject.map { "Re: \($0)" }),
                sender: user.username,
                replyVia: sameAddress ? origin?.connector : nil
            )
        } catch let error as SwitchboardError {
            return try await errorPage(error.message, status: .unprocessableContent, request, context)
        } catch let error as AddressError {
            return try await errorPage(error.description, status: .unprocessableContent, request, context)
        }
        return Response(status: .seeOther, headers: [.location: "/messages/\(acceptance.record.message.id)"])
    }

    /// A sent message's page shows this many of its deliveries, each with its attempts (one
    /// look-up each); a message to a large group says how many more there are, which the
    /// outbox lists by recipient.
    static let messagePageDeliveries = 200

    /// A message the hub sent, for whoever may read it through the API (`may(_:read:)`).
    func sentMessagePage(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.require("id")
        guard let record = try await store.message(id: id), try await may(user, read: record.message) else {
            return try await errorPage(web.texts["error_message_not_found"], status: .notFound, request, context)
        }
        let message = record.message
        var values = messageValues(message, heading: message.subject, time: message.createdAt, timeLabel: web.texts["message_sent"])
        values["fromName"] = message.sender ?? "-"
        values["channel"] = Set(record.deliveries.map(\.channel.rawValue)).sorted().joined(separator: ", ")
        values["connector"] = Set(record.deliveries.compactMap(\.connector)).sorted().joined(separator: ", ")
        values["backLink"] = "/"
        values["attachments"] = message.attachments.map { ["filename": $0.filename, "type": $0.contentType, "size": "\($0.data.count)"] }
        var rows: [[String: Any]] = []
        let shown = record.deliveries.prefix(Self.messagePageDeliveries)
        for delivery in shown {
            let history = try await store.attempts(deliveryID: delivery.id).map { attempt -> [String: Any] in
                var entry: [String: Any] = [
                    "at": Self.label(attempt.at), "atISO": attempt.at.formatted(Date.ISO8601FormatStyle()), "number": "\(attempt.number)",
                    "connector": attempt.connector, "outcome": attempt.outcome.rawValue,
                ]
                if let error = attempt.error { entry["error"] = error }
                return entry
            }
            var row: [String: Any] = [
                "id": delivery.id, "address": delivery.address.description, "channel": delivery.channel.rawValue,
                "status": delivery.status.rawValue, "attempts": "\(delivery.attempts)", "connector": delivery.connector ?? "-",
                "history": history,
            ]
            if let error = delivery.lastError { row["lastError"] = error }
            rows.append(row)
        }
        var deliveries: [String: Any] = ["rows": rows, "warnings": record.warnings, "messageID": message.id]
        if record.deliveries.count > shown.count {
            deliveries["more"] = web.texts["deliveries_more"].replacingOccurrences(of: "{shown}", with: "\(shown.count)")
                .replacingOccurrences(of: "{total}", with: "\(record.deliveries.count)")
        }
        values["deliveries"] = deliveries
        let title = message.subject ?? web.texts["message_title"]
        return try await render(
            WebPage(template: "message", title: title, page: "message", values: values, scripts: ["message.js"]),
            request,
            context
        )
    }

    /// The message tester: the bucket connectors and a chat (tester.js on the tester API).
    func testerPage(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let buckets = hub.connectors.all.filter { $0 is BucketConnector }.map(\.name)
        let values: [String: Any] = ["connectors": buckets, "admin": user.role == .admin]
        return try await render(
            WebPage(template: "tester", title: web.texts["tester_title"], page: "tester", values: values, scripts: ["tester.js"]),
            request,
            context
        )
    }
}
