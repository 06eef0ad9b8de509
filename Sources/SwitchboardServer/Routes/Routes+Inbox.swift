import Hummingbird
import SwitchboardCore

// The inboxes: the common one everyone sees, and each user's own.

extension APIEnvironment {
    static let inboxPageLimit = 1...200
    static let inboxDefaultLimit = 50

    func addInboxRoutes(to api: RouterGroup<Context>) {
        api.get("/inbox") { request, context in try await inbox(request, context) }
        api.get("/inbox/unread-count") { request, context in try await unreadCount(request, context) }
        api.get("/inbox/{id}") { _, context in try await inboxItem(context) }
        api.post("/inbox/{id}/read") { _, context in try await markRead(context) }
        api.post("/inbox/{id}/unread") { _, context in try await markUnread(context) }
        api.post("/inbox/read-all") { request, context in try await markAllRead(request, context) }
    }

    /// `scope`: `mine`, `common` or `all` (both; the default). `unread=true` leaves out what
    /// the caller has read. Newest first; `cursor` is the previous page's `next_cursor`.
    func inbox(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let query = try QueryParameters(request, allowed: InboxFilterParameters.names.union(["scope", "unread", "limit", "cursor"]))
        let scope = try query.oneOf("scope", InboxQuery.Scope.self, allowed: [.mine, .common, .all]) ?? .all
        let unread = try query.bool("unread") ?? false
        let limit = try query.int("limit", in: Self.inboxPageLimit) ?? Self.inboxDefaultLimit
        var before: Int64?
        if let cursor = query.string("cursor") {
            guard let value = Int64(cursor), value > 0 else {
                throw APIError.badRequest("invalid_parameter", "query parameter 'cursor' must be a 'next_cursor' from an earlier page")
            }
            before = value
        }
        let filter = try InboxFilterParameters.parse(query, rawQuery: request.uri.query)
        let page = try await store.inbox(
            InboxQuery(viewer: user.username, scope: scope, unreadOnly: unread, limit: limit, before: before, filter: filter)
        )
        return try .json(InboxPageView(page))
    }

    func unreadCount(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        _ = try QueryParameters(request, allowed: [])
        let counts = try await store.unreadCount(viewer: user.username)
        return try .json(UnreadCountView(mine: counts.mine, common: counts.common, total: counts.mine + counts.common))
    }

    func inboxItem(_ context: Context) async throws -> Response {
        try .json(InboxItemView(try await visibleInboxItem(context)))
    }

    /// Marks the item read for the caller only; others' read flags are their own. Answers
    /// with the item as the caller now sees it.
    func markRead(_ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let item = try await visibleInboxItem(context)
        guard try await store.markRead(itemID: item.id, username: user.username) else {
            throw APIError.notFound("inbox_item_not_found", "no inbox item with id \(item.id)")
        }
        var updated = item
        updated.read = true
        return try .json(InboxItemView(try await store.inboxItem(id: item.id, viewer: user.username) ?? updated))
    }

    /// Marks the item unread again, for the caller only.
    func markUnread(_ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let item = try await visibleInboxItem(context)
        guard try await store.markUnread(itemID: item.id, username: user.username) else {
            throw APIError.notFound("inbox_item_not_found", "no inbox item with id \(item.id)")
        }
        var updated = item
        updated.read = false
        return try .json(InboxItemView(try await store.inboxItem(id: item.id, viewer: user.username) ?? updated))
    }

    /// Marks read, for the caller, every item of `scope` (default `all`) up to `up_to` (an item
    /// id, usually the newest the page showed, so what arrived since stays unread).
    func markAllRead(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        // The body is optional: no body marks everything the caller sees.
        let bytes = Array(try await request.collectBody(limit: maxBodyBytes).readableBytesView)
        let blank = bytes.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        let body = blank ? MarkAllReadBody() : try Request.decode(MarkAllReadBody.self, from: bytes).value
        let scope = try MarkAllReadBody.scope(body.scope)
        if let upTo = body.upTo, upTo < 1 {
            throw APIError.unprocessable("invalid_up_to", "up_to must be an inbox item id (1 or more)")
        }
        let marked = try await store.markAllRead(username: user.username, scope: scope, upTo: body.upTo)
        return try .json(MarkAllReadView(marked: marked))
    }

    /// The item named in the path if it is in the common inbox or the caller's own; another
    /// user's item is "not found", even for admins (a user's inbox is private).
    func visibleInboxItem(_ context: Context) async throws -> InboxItem {
        let user = try context.requireUser()
        let raw = try context.parameters.require("id")
        guard let id = Int64(raw), let item = try await store.inboxItem(id: id, viewer: user.username),
            item.owner == nil || item.owner == user.username
        else {
            throw APIError.notFound("inbox_item_not_found", "no inbox item with id '\(raw)'")
        }
        return item
    }
}

struct MarkAllReadBody: APIRequestBody {
    var scope: String?
    var upTo: Int64?
    static let shape = JSONShape.keys("scope", "up_to")
    enum CodingKeys: String, CodingKey {
        case scope
        case upTo = "up_to"
    }

    static func scope(_ text: String?) throws -> InboxQuery.Scope {
        guard let text else { return .all }
        guard let scope = InboxQuery.Scope(rawValue: text) else {
            throw APIError.unprocessable("invalid_scope", "scope must be mine, common or all, not '\(text)'")
        }
        return scope
    }
}
