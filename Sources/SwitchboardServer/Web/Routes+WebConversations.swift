import Foundation
import Hummingbird
import SwitchboardCore

// The conversations pages: a list (ongoing by default, filtered by status, responder and
// connector, paged by the store's cursor), one conversation as a chat with its steps, data and
// deadlines, and the operator's abort form. Who sees what is the API's rule
// (`visibleConversation`): an admin every conversation, a user their own.

extension APIEnvironment {
    func addWebConversationRoutes(to pages: RouterGroup<Context>) {
        pages.get("/conversations") { request, context in try await conversationsPage(request, context) }
        pages.get("/conversations/{id}") { request, context in try await conversationPage(request, context) }
        pages.post("/conversations/{id}/abort") { request, context in try await abortConversationForm(request, context) }
    }

    /// The list: `status` (default `ongoing`, `any` for all), `responder`, `connector`, `cursor`.
    func conversationsPage(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let query = request.uri.queryParameters
        let rawStatus = query["status"].map(String.init) ?? ConversationStatus.ongoing.rawValue
        let responder = query["responder"].map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        let connector = query["connector"].map(String.init) ?? ""
        let status = ConversationStatus(rawValue: rawStatus)
        guard status != nil || rawStatus == "any" else {
            return try await errorPage(web.texts["conversations_bad_status"], status: .badRequest, request, context)
        }
        let filter = ConversationQuery(
            status: status,
            responder: responder.isEmpty ? nil : responder,
            connector: connector.isEmpty ? nil : connector,
            username: user.role == .admin ? nil : user.username,
            cursor: query["cursor"].map(String.init),
            limit: 50
        )
        let page: ConversationPage
        do { page = try await store.conversations(filter) } catch let error as SwitchboardError where error.code == "invalid_cursor" {
            return try await errorPage(web.texts["conversations_bad_cursor"], status: .badRequest, request, context)
        }
        let kept = [("status", rawStatus), ("responder", responder), ("connector", connector)].filter { !$0.1.isEmpty }
        let statuses = ["any"] + ConversationStatus.allCases.map(\.rawValue)
        var values: [String: Any] = [
            "rows": page.conversations.map(conversationRow),
            "hasRows": !page.conversations.isEmpty,
            "statuses": statuses.map { ["value": $0, "label": web.texts["conversation_status_\($0)"], "selected": $0 == rawStatus] },
            "connectors": hub.connectors.all.map(\.name).sorted().map { ["value": $0, "selected": $0 == connector] },
            "responder": responder,
            "filtered": kept.count > 1 || rawStatus != ConversationStatus.ongoing.rawValue,
        ]
        if let next = page.nextCursor { values["next"] = WebPaths.link("/conversations", kept + [("cursor", next)]) }
        if query["cursor"] != nil { values["newest"] = WebPaths.link("/conversations", kept) }
        return try await render(
            WebPage(template: "conversations", title: web.texts["conversations_title"], page: "conversations", values: values),
            request,
            context
        )
    }

    func conversationRow(_ c: Conversation) -> [String: Any] {
        [
            "href": "/conversations/\(WebPaths.percentEncoded(c.id))", "address": c.address.description, "responder": c.responder,
            "connector": c.connector, "status": c.status.rawValue, "statusLabel": web.texts["conversation_status_\(c.status.rawValue)"],
            "started": Self.label(c.startedAt), "startedISO": c.startedAt.formatted(Date.ISO8601FormatStyle()),
            "username": c.username ?? "-",
        ]
    }

    /// One conversation: the transcript as a chat, the facts, steps and data; the abort form
    /// while it is ongoing (only its owner or an admin gets this far).
    func conversationPage(
        _ request: Request,
        _ context: Context,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    )
        async throws -> Response
    {
        let conversation: Conversation
        do { conversation = try await visibleConversation(context) } catch let error as APIError where error.status == .notFound {
            return try await errorPage(web.texts["conversation_not_found"], status: .notFound, request, context)
        }
        var values = conversationRow(conversation)
        values["id"] = conversation.id
        values["updated"] = Self.label(conversation.updatedAt)
        values["updatedISO"] = conversation.updatedAt.formatted(Date.ISO8601FormatStyle())
        if let expires = conversation.expiresAt, conversation.status == .ongoing {
            values["expires"] = ["label": Self.label(expires), "iso": expires.formatted(Date.ISO8601FormatStyle())]
        }
        if let next = conversation.nextStep { values["nextStep"] = next }
        if let reason = conversation.endReason { values["endReason"] = reason }
        if let by = conversation.endedBy { values["endedBy"] = by }
        // The page shows the first 1,000 messages; the API pages through the rest.
        let transcript = try await store.transcript(conversationID: conversation.id, after: 0, limit: 1_000)
        values["transcript"] = transcript.map { entry -> [String: Any] in
            let inbound = entry.direction == .inbound
            return [
                "text": entry.text, "class": inbound ? "you" : "hub", "at": Self.label(entry.at),
                "atISO": entry.at.formatted(Date.ISO8601FormatStyle()),
                "who": inbound ? conversation.address.description : web.texts["conversation_hub"],
            ]
        }
        values["steps"] = transcript.compactMap(\.step)
        values["data"] = conversation.data.keys.sorted().map { ["name": $0, "value": Self.dataText(conversation.data[$0] ?? .null)] }
        values["hasData"] = !conversation.data.isEmpty
        if conversation.status == .ongoing { values["abort"] = ["action": "/conversations/\(WebPaths.percentEncoded(conversation.id))/abort"] }
        if let error { values["error"] = error }
        return try await render(
            WebPage(
                template: "conversation",
                title: web.texts["conversation_title"] + " " + conversation.address.description,
                page: "conversations",
                values: values,
                status: status
            ),
            request,
            context
        )
    }

    /// A data value as a line of text: a string as it is, anything else as compact JSON.
    static func dataText(_ value: SwitchboardCore.JSONValue) -> String {
        if case .string(let text) = value { return text }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// The abort form: CSRF-checked like every form, the reason checked as the API does, then
    /// back to the conversation's page (or that page again with what was wrong).
    func abortConversationForm(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let form = try await csrfCheckedForm(ActionForm.self, request, context)
        let conversation: Conversation
        do { conversation = try await visibleConversation(context) } catch let error as APIError where error.status == .notFound {
            return try await errorPage(web.texts["conversation_not_found"], status: .notFound, request, context)
        }
        let reason = form.reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !reason.isEmpty, reason.unicodeScalars.count <= Self.abortReasonLimit else {
            return try await conversationPage(request, context, error: web.texts["conversation_abort_reason_invalid"], status: .unprocessableContent)
        }
        do {
            _ = try await hub.abortConversation(id: conversation.id, reason: reason, by: user.username)
        } catch let error as SwitchboardError where error.code == "conversation_finished" {
            return try await conversationPage(request, context, error: web.texts["conversation_abort_finished"], status: .conflict)
        }
        return Response(status: .seeOther, headers: [.location: "/conversations/\(WebPaths.percentEncoded(conversation.id))"])
    }
}
