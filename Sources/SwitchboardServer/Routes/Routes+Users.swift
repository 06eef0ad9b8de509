import Hummingbird
import SwitchboardCore

// Login users: admins only, except that anyone may change their own password.

struct UserCreateBody: APIRequestBody {
    var username: String
    var password: String
    var role: String
    var displayName: String?
    enum CodingKeys: String, CodingKey {
        case username, password, role
        case displayName = "display_name"
    }
    static let shape = JSONShape.keys("username", "password", "role", "display_name", nullable: ["display_name"])
}

struct PasswordBody: APIRequestBody {
    var password: String
    /// Required when callers change their own password: a stolen session or token alone must
    /// not be enough to take the account over.
    var currentPassword: String?
    enum CodingKeys: String, CodingKey {
        case password
        case currentPassword = "current_password"
    }
    static let shape = JSONShape.keys("password", "current_password")
}

struct UserPatchBody: APIRequestBody {
    var role: String
    static let shape = JSONShape.keys("role")
}

extension APIEnvironment {
    func addUserRoutes(to api: RouterGroup<Context>) {
        api.get("/users") { request, context in try await listUsers(request, context) }
        api.post("/users") { request, context in try await createUser(request, context) }
        api.get("/users/{name}") { _, context in try await user(context) }
        api.patch("/users/{name}") { request, context in try await patchUser(request, context) }
        api.delete("/users/{name}") { _, context in try await deleteUser(context) }
        api.put("/users/{name}/password") { request, context in try await setPassword(request, context) }
    }

    /// Users in username order (byte order), `limit` at a time (100 unless asked; at most
    /// 1,000); `cursor` is the previous page's `next_cursor`.
    func listUsers(_ request: Request, _ context: Context) async throws -> Response {
        try context.requireAdmin()
        let query = try QueryParameters(request, allowed: ["limit", "cursor"])
        let limit = try query.int("limit", in: Self.contactPageLimits) ?? 100
        let page = try await Self.cursorChecked { try await store.users(limit: limit, after: query.string("cursor")) }
        return try .json(CursorPageView(items: page.items.map(UserView.init), nextCursor: page.nextCursor))
    }

    func createUser(_ request: Request, _ context: Context) async throws -> Response {
        try context.requireAdmin()
        let body = try await request.decodeBody(UserCreateBody.self, limit: maxBodyBytes).value
        let role = try Accounts.role(named: body.role)
        let user = try await accounts.createUser(username: body.username, password: body.password, role: role, displayName: body.displayName)
        context.logger.info("user created", metadata: ["user": "\(user.username)", "by": "\(context.user?.username ?? "?")"])
        return try .json(UserView(user), status: .created, headers: [.location: "/api/v1/users/\(user.username)"])
    }

    func user(_ context: Context) async throws -> Response {
        try context.requireAdmin()
        let name = try context.parameters.require("name")
        guard let user = try await store.user(named: name) else { throw Self.userNotFound(name) }
        return try .json(UserView(user))
    }

    /// Another user's role, by the admin page's rule (`Accounts.setRole`): not one's own.
    func patchUser(_ request: Request, _ context: Context) async throws -> Response {
        let admin = try context.requireAdmin()
        let name = try context.parameters.require("name")
        let body = try await request.decodeBody(UserPatchBody.self, limit: maxBodyBytes).value
        let user: UserAccount
        do {
            user = try await accounts.setRole(username: name, role: try Accounts.role(named: body.role), by: admin.username)
        } catch let error as SwitchboardError where error.kind == .notFound {
            throw Self.userNotFound(name)
        }
        context.logger.info("role changed", metadata: ["user": "\(name)", "role": "\(user.role.rawValue)", "by": "\(admin.username)"])
        return try .json(UserView(user))
    }

    /// Admins cannot delete themselves, so at least one admin always remains.
    func deleteUser(_ context: Context) async throws -> Response {
        let admin = try context.requireAdmin()
        let name = try context.parameters.require("name")
        guard name != admin.username else {
            throw APIError.conflict("cannot_delete_self", "you cannot delete your own account; ask another admin")
        }
        guard try await store.deleteUser(named: name) else { throw Self.userNotFound(name) }
        context.logger.info("user deleted", metadata: ["user": "\(name)", "by": "\(admin.username)"])
        return .noContent()
    }

    func setPassword(_ request: Request, _ context: Context) async throws -> Response {
        let caller = try context.requireUser()
        let name = try context.parameters.require("name")
        guard caller.role == .admin || caller.username == name else {
            throw APIError.forbidden("only an admin may change another user's password")
        }
        let body = try await request.decodeBody(PasswordBody.self, limit: maxBodyBytes).value
        // Admins resetting someone else's password are exempt; everyone changing their own,
        // admins included, proves they know the current one.
        if caller.username == name {
            try await requireCurrentPassword(body.currentPassword, of: caller, context)
        }
        do {
            // Changing one's own password keeps the session doing it; every other session ends.
            var keep: String?
            if caller.username == name, case .session(let hash) = context.credential { keep = hash }
            try await accounts.setPassword(username: name, password: body.password, keepingSession: keep)
        } catch let error as SwitchboardError where error.kind == .notFound {
            throw Self.userNotFound(name)
        }
        context.logger.info("password changed", metadata: ["user": "\(name)", "by": "\(caller.username)"])
        return .noContent()
    }

    /// 422 when the current password is missing, 403 when it is wrong, 429 after too many wrong
    /// ones (counted with failed logins, so a stolen token cannot guess faster than a login).
    /// The session and tokens stay valid either way: the caller only failed to prove more.
    func requireCurrentPassword(_ current: String?, of caller: UserAccount, _ context: Context) async throws {
        guard let current else {
            throw APIError.unprocessable(
                "current_password_required",
                "to change your own password, send your current password as 'current_password'"
            )
        }
        if let problem = PasswordPolicy.unverifiable(current) { throw problem }
        guard try await checkPassword(username: caller.username, password: current, endpoint: .password, context) != nil else {
            context.logger.warning("password change with a wrong current password", metadata: ["user": "\(caller.username)"])
            throw APIError(.forbidden, "wrong_current_password", "'current_password' is not your current password")
        }
    }

    static func userNotFound(_ name: String) -> APIError {
        .notFound("user_not_found", "no user named '\(name)'")
    }
}
