import Foundation
import Hummingbird
import SwitchboardCore

// The account page: who one is, and changing one's own password as
// `PUT /api/v1/users/{name}/password` does — the current password required (and throttled
// like logins), the password policy's reason shown when a new one is refused, every other
// login session ended, this one kept.

extension APIEnvironment {
    func addWebAccountRoutes(to pages: RouterGroup<Context>) {
        pages.get("/account") { request, context in try await accountPage(request, context) }
        pages.post("/account/password") { request, context in try await changePasswordForm(request, context) }
    }

    func accountPage(_ request: Request, _ context: Context, problem: APIError? = nil) async throws -> Response {
        let user = try context.requireUser()
        var values: [String: Any] = [
            "username": user.username, "displayName": user.displayName ?? "-", "roleLabel": web.texts["role_\(user.role.rawValue)"],
            "created": Self.label(user.createdAt), "createdISO": user.createdAt.formatted(Date.ISO8601FormatStyle()),
        ]
        if request.uri.queryParameters["done"] == "password" { values["notice"] = web.texts["account_password_changed"] }
        if let problem { values["problem"] = problem.message }
        var response = try await render(
            WebPage(template: "account", title: web.texts["account_title"], page: "account", values: values, status: problem?.status ?? .ok),
            request,
            context
        )
        if let retry = problem?.headers[.retryAfter] { response.headers[.retryAfter] = retry }
        return response
    }

    func changePasswordForm(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let form = try await csrfCheckedForm(AccountForm.self, request, context)
        let password = form.password ?? ""
        guard password == form.passwordConfirm else {
            return try await accountPage(request, context, problem: .unprocessable("passwords_differ", web.texts["account_passwords_differ"]))
        }
        do {
            let current = form.currentPassword.flatMap { $0.isEmpty ? nil : $0 }
            try await requireCurrentPassword(current, of: user, context)
            var keep: String?
            if case .session(let hash) = context.credential { keep = hash }
            try await accounts.setPassword(username: user.username, password: password, keepingSession: keep)
        } catch {
            guard let refusal = Self.refusal(error) else { throw error }
            return try await accountPage(request, context, problem: refusal)
        }
        context.logger.info("password changed", metadata: ["user": "\(user.username)", "by": "\(user.username)"])
        return Response(status: .seeOther, headers: [.location: "/account?done=password"])
    }
}
