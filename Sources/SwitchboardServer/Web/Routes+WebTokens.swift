import Foundation
import Hummingbird
import SwitchboardCore

// The API tokens page: the caller's own tokens, as `/api/v1/tokens` (every user manages their
// own): create one, its secret shown once on the page that answers, and revoke.

extension APIEnvironment {
    /// Tokens on one page of `/admin/tokens`.
    static let webTokensPageSize = 50

    /// The caller's tokens, oldest first, a page at a time with next and first links.
    func tokensPage(
        _ request: Request,
        _ context: Context,
        secret: (name: String, token: String)? = nil,
        problem: APIError? = nil
    )
        async throws -> Response
    {
        let user = try context.requireUser()
        let cursor = request.uri.queryParameters["cursor"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let listing: TokenPage
        do {
            listing = try await store.tokens(username: user.username, limit: Self.webTokensPageSize, after: cursor)
        } catch let error as SwitchboardError where error.code == "invalid_cursor" {
            return try await errorPage(web.texts["list_bad_cursor"], status: .badRequest, request, context)
        }
        let tokens = listing.tokens
        var values: [String: Any] = [
            "tokens": tokens.map { token -> [String: Any] in
                [
                    "id": token.id, "name": token.name, "created": Self.label(token.createdAt),
                    "createdISO": token.createdAt.formatted(Date.ISO8601FormatStyle()),
                    "revoke": "/admin/tokens/\(Self.pathSegment(token.id))/revoke",
                ]
            },
            "hasTokens": !tokens.isEmpty,
        ]
        if user.role == .admin {
            values["tabs"] = adminTabs(current: "admin-tokens")
            values["hasTabs"] = true
        }
        if let next = listing.nextCursor { values["next"] = WebPaths.link("/admin/tokens", [("cursor", next)]) }
        if cursor != nil { values["first"] = "/admin/tokens" }
        if request.uri.queryParameters["done"] == "revoked" { values["notice"] = web.texts["admin_tokens_revoked"] }
        if let secret { values["secret"] = ["name": secret.name, "token": secret.token] }
        if let problem { values["problem"] = problem.message }
        return try await render(
            WebPage(
                template: "admin-tokens",
                title: web.texts["admin_tokens_title"],
                page: "admin-tokens",
                values: values,
                status: problem?.status ?? (secret == nil ? .ok : .created)
            ),
            request,
            context
        )
    }

    /// A token's name as `POST /api/v1/tokens` takes it: one line of 1 to 100 characters
    /// (code points, as the API document counts), no control characters; trimmed.
    static func tokenName(_ raw: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        let scalars = raw.unicodeScalars
        guard !name.isEmpty, scalars.count <= 100, !name.contains(where: \.isNewline),
            !scalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw APIError.unprocessable("invalid_name", "token name must be one line of 1 to 100 characters, without control characters")
        }
        return name
    }

    func createTokenForm(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let form = try await csrfCheckedForm(AccountForm.self, request, context)
        let name: String
        do { name = try Self.tokenName(form.name ?? "") } catch let error as APIError {
            return try await tokensPage(request, context, problem: error)
        }
        let secret = Secrets.make()
        try await store.createToken(APIToken(username: user.username, name: name, tokenHash: Secrets.hash(secret)))
        context.logger.info("token created", metadata: ["user": "\(user.username)", "name": "\(name)"])
        return try await tokensPage(request, context, secret: (name, secret))
    }

    /// Only the caller's own tokens; someone else's id is "not found", as in the API.
    func revokeTokenForm(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        _ = try await csrfCheckedForm(AccountForm.self, request, context)
        let id = try context.parameters.require("id")
        guard try await store.deleteToken(id: id, username: user.username) else {
            return try await errorPage(web.texts["admin_tokens_not_found"], status: .notFound, request, context)
        }
        context.logger.info("token revoked", metadata: ["user": "\(user.username)", "token": "\(id)"])
        return Response(status: .seeOther, headers: [.location: "/admin/tokens?done=revoked"])
    }
}
