import Foundation
import Hummingbird
import SwitchboardCore

// The administration pages for accounts: users (admins: create with a role, change a role,
// reset a password) and API tokens (everyone their own, as `/api/v1/tokens`: create, with the
// secret shown once, and revoke). A password the hub makes up is shown once, on the page that
// answers the form, and never again; pages are `no-store`.

/// The account forms' fields.
struct AccountForm: CSRFCarryingForm {
    var csrf: String?
    var username: String?
    var displayName: String?
    var role: String?
    var password: String?
    var passwordConfirm: String?
    var currentPassword: String?
    /// A token's name.
    var name: String?

    enum CodingKeys: String, CodingKey {
        case csrf = "_csrf"
        case displayName = "display_name"
        case passwordConfirm = "password_confirm"
        case currentPassword = "current_password"
        case username, role, password, name
    }
}

extension APIEnvironment {
    /// Users on one page of `/admin/users`.
    static let webUsersPageSize = 50

    func addWebAdminRoutes(to pages: RouterGroup<Context>) {
        pages.get("/admin/users") { request, context in try await usersPage(request, context) }
        pages.post("/admin/users") { request, context in try await createUserForm(request, context) }
        pages.post("/admin/users/{name}/role") { request, context in try await userRoleForm(request, context) }
        pages.post("/admin/users/{name}/password") { request, context in try await resetPasswordForm(request, context) }
        pages.get("/admin/tokens") { request, context in try await tokensPage(request, context) }
        pages.post("/admin/tokens") { request, context in try await createTokenForm(request, context) }
        pages.post("/admin/tokens/{id}/revoke") { request, context in try await revokeTokenForm(request, context) }
        pages.get("/admin/config") { request, context in try await configPage(request, context) }
    }

    /// What a users page shows besides the list: a notice, a problem, or a password shown once.
    struct UsersPageNote {
        var notice: String?
        var problem: APIError?
        var secret: (username: String, password: String)?
    }

    func usersPage(_ request: Request, _ context: Context, note: UsersPageNote = .init()) async throws -> Response {
        if let refused = try await refuseUnlessAdmin(request, context) { return refused }
        let me = try context.requireUser()
        let cursor = request.uri.queryParameters["cursor"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let listing: UserPage
        do {
            listing = try await store.users(limit: Self.webUsersPageSize, after: cursor)
        } catch let error as SwitchboardError where error.code == "invalid_cursor" {
            return try await errorPage(web.texts["list_bad_cursor"], status: .badRequest, request, context)
        }
        let users = listing.items
        var values: [String: Any] = [
            "tabs": adminTabs(current: "admin-users"), "hasTabs": true,
            "roles": UserAccount.Role.allCases.map { ["value": $0.rawValue, "label": web.texts["role_\($0.rawValue)"], "default": $0 == .user] },
            "users": users.map { user -> [String: Any] in
                [
                    "username": user.username, "displayName": user.displayName ?? "", "role": user.role.rawValue,
                    "roleLabel": web.texts["role_\(user.role.rawValue)"], "created": Self.label(user.createdAt),
                    "createdISO": user.createdAt.formatted(Date.ISO8601FormatStyle()), "me": user.username == me.username,
                    "path": "/admin/users/\(Self.pathSegment(user.username))",
                    "roles": UserAccount.Role.allCases.map {
                        ["value": $0.rawValue, "label": web.texts["role_\($0.rawValue)"], "selected": $0 == user.role]
                    },
                ]
            },
        ]
        if let done = request.uri.queryParameters["done"].map(String.init), ["created", "role", "password"].contains(done) {
            values["notice"] = web.texts["admin_users_done_\(done)"]
        }
        if let next = listing.nextCursor { values["next"] = WebPaths.link("/admin/users", [("cursor", next)]) }
        if cursor != nil { values["first"] = "/admin/users" }
        if let notice = note.notice { values["notice"] = notice }
        if let problem = note.problem { values["problem"] = problem.message }
        if let secret = note.secret { values["secret"] = ["username": secret.username, "password": secret.password] }
        return try await render(
            WebPage(
                template: "admin-users",
                title: web.texts["admin_users_title"],
                page: "admin-users",
                values: values,
                status: note.problem?.status ?? .ok
            ),
            request,
            context
        )
    }

    /// A password given, or (left empty) one made up to be shown once.
    static func chosenPassword(_ given: String?) -> (password: String, generated: Bool) {
        if let given, !given.isEmpty { return (given, false) }
        return (Secrets.make(byteCount: 12), true)
    }

    func createUserForm(_ request: Request, _ context: Context) async throws -> Response {
        if let refused = try await refuseUnlessAdmin(request, context) { return refused }
        let admin = try context.requireUser()
        let form = try await csrfCheckedForm(AccountForm.self, request, context)
        let username = form.username?.trimmingCharacters(in: .whitespaces) ?? ""
        guard let role = UserAccount.Role(rawValue: form.role ?? "") else {
            return try await usersPage(request, context, note: .init(problem: .unprocessable("invalid_role", web.texts["admin_users_bad_role"])))
        }
        let (password, generated) = Self.chosenPassword(form.password)
        do {
            _ = try await accounts.createUser(username: username, password: password, role: role, displayName: form.displayName)
        } catch {
            guard let refusal = Self.refusal(error) else { throw error }
            return try await usersPage(request, context, note: .init(problem: refusal))
        }
        context.logger.info("user created", metadata: ["user": "\(username)", "by": "\(admin.username)"])
        guard generated else { return Response(status: .seeOther, headers: [.location: "/admin/users?done=created"]) }
        return try await usersPage(request, context, note: .init(notice: web.texts["admin_users_done_created"], secret: (username, password)))
    }

    /// Another user's role, by `Accounts.setRole`'s rule (not one's own), as
    /// `PATCH /api/v1/users/{name}` does.
    func userRoleForm(_ request: Request, _ context: Context) async throws -> Response {
        if let refused = try await refuseUnlessAdmin(request, context) { return refused }
        let admin = try context.requireUser()
        let form = try await csrfCheckedForm(AccountForm.self, request, context)
        let name = try context.parameters.require("name")
        let changed: UserAccount
        do {
            changed = try await accounts.setRole(username: name, role: try Accounts.role(named: form.role ?? ""), by: admin.username)
        } catch let error as SwitchboardError {
            switch error.code {
            case "unknown_user": return try await errorPage(web.texts["admin_users_not_found"], status: .notFound, request, context)
            case "cannot_change_own_role":
                return try await usersPage(request, context, note: .init(problem: .conflict(error.code, web.texts["admin_users_own_role"])))
            case "invalid_role":
                return try await usersPage(request, context, note: .init(problem: .unprocessable(error.code, web.texts["admin_users_bad_role"])))
            default:
                guard let refusal = Self.refusal(error) else { throw error }
                return try await usersPage(request, context, note: .init(problem: refusal))
            }
        }
        context.logger.info("role changed", metadata: ["user": "\(name)", "role": "\(changed.role.rawValue)", "by": "\(admin.username)"])
        return Response(status: .seeOther, headers: [.location: "/admin/users?done=role"])
    }

    /// An admin resets another user's password (set, or made up and shown once) as
    /// `PUT /api/v1/users/{name}/password` does; their login sessions end. One's own password
    /// is changed on the account page, with the current one.
    func resetPasswordForm(_ request: Request, _ context: Context) async throws -> Response {
        if let refused = try await refuseUnlessAdmin(request, context) { return refused }
        let admin = try context.requireUser()
        let form = try await csrfCheckedForm(AccountForm.self, request, context)
        let name = try context.parameters.require("name")
        guard name != admin.username else {
            return try await usersPage(request, context, note: .init(problem: .conflict("own_password", web.texts["admin_users_own_password"])))
        }
        let (password, generated) = Self.chosenPassword(form.password)
        do {
            try await accounts.setPassword(username: name, password: password)
        } catch let error as SwitchboardError where error.kind == .notFound {
            return try await errorPage(web.texts["admin_users_not_found"], status: .notFound, request, context)
        } catch {
            guard let refusal = Self.refusal(error) else { throw error }
            return try await usersPage(request, context, note: .init(problem: refusal))
        }
        context.logger.info("password changed", metadata: ["user": "\(name)", "by": "\(admin.username)"])
        guard generated else { return Response(status: .seeOther, headers: [.location: "/admin/users?done=password"]) }
        return try await usersPage(request, context, note: .init(notice: web.texts["admin_users_done_password"], secret: (name, password)))
    }
}
