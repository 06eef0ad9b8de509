import Foundation
import Hummingbird
import SwitchboardCore

// Conversations (multi-step dialogues with a party). An admin sees and ends any; a plain user
// only those linked to them (`username`), and another's is "not found", as in the inbox.

/// `POST /conversations/{id}/abort`: why an operator ends it (kept with who did).
struct ConversationAbortBody: APIRequestBody {
    var reason: String
    static let shape = JSONShape.keys("reason")
}

extension APIEnvironment {
    static let conversationPageLimit = 1...200
    /// How many transcript entries one detail response holds at most (and by default).
    static let transcriptPageLimit = 1...1_000
    static let abortReasonLimit = 500

    func addConversationRoutes(to api: RouterGroup<Context>) {
        api.get("/conversations") { request, context in try await listConversations(request, context) }
        api.get("/conversations/{id}") { request, context in try await conversationDetail(request, context) }
        api.post("/conversations/{id}/abort") { request, context in try await abortConversation(request, context) }
    }

    /// Most recently started first, filtered by status, responder, connector and address.
    func listConversations(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let query = try QueryParameters(request, allowed: ["status", "responder", "connector", "address", "limit", "cursor"])
        var filter = ConversationQuery(
            status: try query.oneOf("status", ConversationStatus.self, allowed: ConversationStatus.allCases),
            responder: query.string("responder"),
            connector: query.string("connector"),
            username: user.role == .admin ? nil : user.username,
            cursor: query.string("cursor"),
            limit: try query.int("limit", in: Self.conversationPageLimit) ?? 50
        )
        if let address = try query.nonEmpty("address") {
            do { filter.address = try Address(parsing: address) } catch {
                throw APIError.badRequest("invalid_parameter", "query parameter 'address' is not an address: \(error)")
            }
        }
        let page: ConversationPage
        do { page = try await store.conversations(filter) } catch let error as SwitchboardError where error.code == "invalid_cursor" {
            throw APIError.badRequest("invalid_parameter", "query parameter 'cursor' must be a 'next_cursor' from an earlier page")
        }
        return try .json(ConversationPageView(items: page.conversations.map(ConversationSummaryView.init), nextCursor: page.nextCursor))
    }

    /// The conversation with a page of its transcript: the entries after `after` (a seq; 0, the
    /// start, by default), at most `limit` (1,000 by default).
    func conversationDetail(_ request: Request, _ context: Context) async throws -> Response {
        let query = try QueryParameters(request, allowed: ["after", "limit"])
        let after = try query.int("after", in: 0...Int(Int32.max)) ?? 0
        let limit = try query.int("limit", in: Self.transcriptPageLimit) ?? Self.transcriptPageLimit.upperBound
        return try .json(try await view(try await visibleConversation(context), after: after, limit: limit))
    }

    /// The view of `conversation` with the transcript page after `after` (one entry more is
    /// read to tell whether another page follows).
    func view(_ conversation: Conversation, after: Int = 0, limit: Int = transcriptPageLimit.upperBound) async throws -> ConversationView {
        let entries = try await store.transcript(conversationID: conversation.id, after: after, limit: limit + 1)
        return ConversationView(conversation, transcript: Array(entries.prefix(limit)), more: entries.count > limit)
    }

    /// Ends an ongoing conversation: `aborted`, the reason and the caller's name kept, and a
    /// short notice to the party on the conversation's connector, in one turn.
    func abortConversation(_ request: Request, _ context: Context) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        let user = try context.requireUser()
        let conversation = try await visibleConversation(context)
        let body = try await request.decodeBody(ConversationAbortBody.self, limit: maxBodyBytes).value
        let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.unicodeScalars.count <= Self.abortReasonLimit else {
            throw APIError.unprocessable("invalid_reason", "'reason' must be 1 to \(Self.abortReasonLimit) characters")
        }
        let ended = try await hub.abortConversation(id: conversation.id, reason: reason, by: user.username)
        return try .json(try await view(ended))
    }

    /// The conversation of the `id` parameter, if the caller may see it: an admin any, a user
    /// their own; otherwise `conversation_not_found`, so ids of others' are not confirmed.
    func visibleConversation(_ context: Context) async throws -> Conversation {
        let user = try context.requireUser()
        let id = try context.parameters.require("id")
        guard let conversation = try await store.conversation(id: id), user.role == .admin || conversation.username == user.username else {
            throw APIError.notFound("conversation_not_found", "no conversation with id '\(id)'")
        }
        return conversation
    }
}
