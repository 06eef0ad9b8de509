import Foundation
import Hummingbird
import SwitchboardCore

// The inbox pages: the common inbox (home) and the user's own, unread first, with filters,
// cursors and marking; new items arrive over `/ws/inbox` (live.js, inbox.js).

extension APIEnvironment {
    static let webInboxPageSize = 50

    func addWebInboxRoutes(to pages: RouterGroup<Context>) {
        pages.get("/") { request, context in try await inboxPage(request, context, scope: .common) }
        pages.get("/mine") { request, context in try await inboxPage(request, context, scope: .mine) }
        pages.post("/inbox/read-all") { request, context in try await markAllReadForm(request, context) }
        pages.post("/inbox/{id}/read") { request, context in try await markForm(request, context, read: true) }
        pages.post("/inbox/{id}/unread") { request, context in try await markForm(request, context, read: false) }
    }

    /// Two listings of one inbox: what the user has not read (newest first), then what they
    /// have, each with its own cursor (`ucursor`, `cursor`), both narrowed by the filters.
    func inboxPage(_ request: Request, _ context: Context, scope: InboxQuery.Scope) async throws -> Response {
        let user = try context.requireUser()
        let query: QueryParameters
        let filter: InboxFilter
        do {
            query = try QueryParameters(request, allowed: InboxFilterParameters.names.union(["cursor", "ucursor"]))
            filter = try InboxFilterParameters.parse(query, rawQuery: request.uri.query)
        } catch let error as APIError {
            return try await errorPage(error.message, status: .badRequest, request, context)
        }
        let unreadCursor = query.string("ucursor").flatMap { Int64($0) }
        let readCursor = query.string("cursor").flatMap { Int64($0) }
        let size = Self.webInboxPageSize
        let unread = try await store.inbox(
            InboxQuery(viewer: user.username, scope: scope, unreadOnly: true, limit: size, before: unreadCursor, filter: filter)
        )
        var readQuery = InboxQuery(viewer: user.username, scope: scope, limit: size, before: readCursor, filter: filter)
        readQuery.read = true
        let read = try await store.inbox(readQuery)

        let path = scope == .mine ? "/mine" : "/"
        let kept = InboxFilterParameters.items(filter, raw: (query.string("since"), query.string("until")))
        let back = WebPaths.local(
            WebPaths.link(
                path,
                kept
                    + [("ucursor", unreadCursor.map(String.init)), ("cursor", readCursor.map(String.init))].compactMap { name, value in
                        value.map { (name, $0) }
                    }
            )
        )
        let names = try await contactNames(for: unread.items + read.items)
        let noText = web.texts["inbox_no_text"]
        func rows(_ items: [InboxItem]) -> [[String: Any]] {
            items.map { item in
                InboxRow(item, contactName: item.message.origin.flatMap { names[$0.from.description] }, noText: noText).values(back: back)
            }
        }
        let filtered = !filter.isEmpty
        var values: [String: Any] = [
            "heading": web.texts[scope == .mine ? "inbox_mine_title" : "inbox_title"],
            "path": path,
            "scope": scope.rawValue,
            "back": back,
            "filtered": filtered,
            "unreadItems": rows(unread.items),
            "readItems": rows(read.items),
            "hasUnread": !unread.items.isEmpty,
            "paged": unreadCursor != nil || readCursor != nil,
            "firstPage": WebPaths.link(path, kept),
            "q": filter.text ?? "",
            "since": query.string("since") ?? "",
            "until": query.string("until") ?? "",
            "channels": hub.configuration.channels.keys.sorted().map { ["value": $0.rawValue, "selected": $0 == filter.channel] },
            "connectors": hub.connectors.names.sorted().map { ["value": $0, "selected": $0 == filter.connector] },
        ]
        // "Mark all read" marks up to the newest item shown, never what arrived since; it is
        // offered only unfiltered, where "all" means what the person sees.
        // (inbox.js moves `up_to` on as live items arrive: they are shown too).
        if !filtered, unreadCursor == nil {
            values["markAll"] = true
            values["upTo"] = [unread.items.first?.id, read.items.first?.id].compactMap { $0 }.max().map(String.init) ?? ""
        }
        if let next = unread.nextCursor {
            values["unreadNext"] = WebPaths.link(path, kept + [("ucursor", "\(next)")])
        }
        if let next = read.nextCursor {
            values["readNext"] = WebPaths.link(
                path,
                kept + [("ucursor", unreadCursor.map(String.init) ?? ""), ("cursor", "\(next)")].filter { !$0.1.isEmpty }
            )
        }
        let page = WebPage(
            template: "inbox",
            title: values["heading"] as? String ?? "",
            page: scope == .mine ? "mine" : "inbox",
            values: values,
            scripts: ["inbox.js"]
        )
        return try await render(page, request, context)
    }

    func markAllReadForm(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let form = try await csrfCheckedForm(ActionForm.self, request, context)
        let scope = try MarkAllReadBody.scope(form.scope)
        // Nothing was shown: nothing to mark.
        guard let shown = form.upTo, !shown.isEmpty else {
            return Response(status: .seeOther, headers: [.location: WebPaths.local(form.back)])
        }
        guard let upTo = Int64(shown), upTo > 0 else { throw APIError.unprocessable("invalid_up_to", "up_to must be an inbox item id") }
        _ = try await store.markAllRead(username: user.username, scope: scope, upTo: upTo)
        return Response(status: .seeOther, headers: [.location: WebPaths.local(form.back)])
    }

    func markForm(_ request: Request, _ context: Context, read: Bool) async throws -> Response {
        let user = try context.requireUser()
        let form = try await csrfCheckedForm(ActionForm.self, request, context)
        let item = try await visibleInboxItem(context)
        _ = try await read ? store.markRead(itemID: item.id, username: user.username) : store.markUnread(itemID: item.id, username: user.username)
        return Response(status: .seeOther, headers: [.location: WebPaths.local(form.back)])
    }
}
