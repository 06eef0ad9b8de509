import Foundation
import Hummingbird
import SwitchboardCore

/// One page of the web interface as a handler describes it; `render` puts it in the layout
/// with the navigation, the unread counts, the CSRF token and the texts.
struct WebPage {
    /// The body template's name (`Resources/web/templates/NAME.mustache`).
    var template: String
    var title: String
    /// Which navigation entry is current, and the `data-page` of the body.
    var page: String
    var values: [String: Any] = [:]
    /// Script modules besides `live.js`, which every logged-in page has.
    var scripts: [String] = []
    var status: HTTPResponse.Status = .ok
}

extension APIEnvironment {
    func render(_ page: WebPage, _ request: Request, _ context: Context) async throws -> Response {
        var values = page.values
        values["t"] = web.texts.entries
        var layout: [String: Any] = [
            "t": web.texts.entries,
            "title": page.title,
            "page": page.page,
            "css": web.url("app.css"),
            "titlePrefix": "",
        ]
        if let csrf = CSRFToken.forRequest(request), context.user != nil {
            values["csrf"] = csrf
            layout["csrf"] = csrf
        }
        var scripts: [String] = []
        if let user = context.user {
            let counts = try await store.unreadCount(viewer: user.username)
            let total = counts.mine + counts.common
            if total > 0 { layout["titlePrefix"] = "(\(total)) " }
            layout["user"] = ["name": user.username]
            layout["nav"] =
                navigation(current: page.page, common: counts.common, mine: counts.mine)
                + operatorNavigation(current: page.page, user: user)
            scripts.append(web.url("live.js"))
        }
        scripts += page.scripts.map { web.url($0) }
        layout["scripts"] = scripts
        layout["body"] = web.render(page.template, values)
        let html = web.render("layout", layout)
        return Response(
            status: page.status,
            headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    func navigation(current: String, common: Int, mine: Int) -> [[String: Any]] {
        let texts = web.texts
        var entries: [[String: Any]] = [
            ["href": "/", "label": texts["nav_inbox"], "page": "inbox", "badgeKind": "common", "badge": "\(common)", "badgeShown": common > 0],
            ["href": "/mine", "label": texts["nav_mine"], "page": "mine", "badgeKind": "mine", "badge": "\(mine)", "badgeShown": mine > 0],
            ["href": "/send", "label": texts["nav_send"], "page": "send"],
            ["href": "/tester", "label": texts["nav_tester"], "page": "tester"],
            ["href": "/conversations", "label": texts["nav_conversations"], "page": "conversations"],
            ["href": "/topics", "label": texts["nav_topics"], "page": "topics"],
            ["href": "/contacts", "label": texts["nav_contacts"], "page": "contacts"],
            ["href": "/groups", "label": texts["nav_groups"], "page": "groups"],
        ]
        for index in entries.indices { entries[index]["current"] = entries[index]["page"] as? String == current }
        return entries
    }

    /// A page that says what went wrong, in the layout (not the API's JSON).
    func errorPage(_ message: String, status: HTTPResponse.Status, _ request: Request, _ context: Context) async throws -> Response {
        try await render(
            WebPage(template: "error", title: web.texts["error_title"], page: "error", values: ["message": message], status: status),
            request,
            context
        )
    }
}
