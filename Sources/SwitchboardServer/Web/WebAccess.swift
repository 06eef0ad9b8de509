import Foundation
import Hummingbird
import SwitchboardCore

// Who may open the operator's and the administration pages, and their navigation entries.
// The rule is the API's: the queue, connectors and users are for admins (others get 403, as
// `requireAdmin` answers); one's own account and API tokens are everyone's.

extension APIEnvironment {
    /// The outbox, connectors, administration and account pages.
    func addWebOperatorRoutes(to pages: RouterGroup<Context>) {
        addWebOutboxRoutes(to: pages)
        pages.get("/connectors") { request, context in try await connectorsPage(request, context) }
        addWebAdminRoutes(to: pages)
        addWebAccountRoutes(to: pages)
    }

    /// `nil` for an admin; for anyone else the page that refuses them, with 403.
    func refuseUnlessAdmin(_ request: Request, _ context: Context) async throws -> Response? {
        let user = try context.requireUser()
        guard user.role != .admin else { return nil }
        return try await errorPage(web.texts["error_admin_only"], status: .forbidden, request, context)
    }

    /// The entries after the inbox pages: outbox, connectors and administration for admins;
    /// the account for everyone.
    func operatorNavigation(current: String, user: UserAccount) -> [[String: Any]] {
        let texts = web.texts
        var entries: [[String: Any]] = []
        if user.role == .admin {
            entries.append(["href": "/outbox", "label": texts["nav_outbox"], "page": "outbox"])
            entries.append(["href": "/connectors", "label": texts["nav_connectors"], "page": "connectors"])
            entries.append(["href": "/admin/users", "label": texts["nav_admin"], "page": "admin"])
        }
        entries.append(["href": "/account", "label": texts["nav_account"], "page": "account"])
        for index in entries.indices {
            let page = entries[index]["page"] as? String ?? ""
            entries[index]["current"] = current == page || (page == "admin" && current.hasPrefix("admin-"))
        }
        return entries
    }

    /// The administration pages' own links (users, tokens, configuration), for admins.
    func adminTabs(current: String) -> [[String: Any]] {
        [
            ("admin-users", "/admin/users", "admin_users_title"), ("admin-tokens", "/admin/tokens", "admin_tokens_title"),
            ("admin-config", "/admin/config", "admin_config_title"),
        ]
        .map { page, href, key in ["href": href, "label": web.texts[key], "current": page == current] }
    }
}
