import Hummingbird

/// A page form that changes something and carries the page's CSRF token in `_csrf`; the
/// contact and group forms declare their own fields beside it.
protocol WebForm: Decodable {
    var csrf: String? { get }
}

extension APIEnvironment {
    /// Reads a state-changing form of a logged-in page as `actionForm` does (the session
    /// cookie, the origin, the CSRF token; 403 otherwise), into the page's own form type.
    func pageForm<Form: WebForm>(_ type: Form.Type, _ request: Request, _ context: Context) async throws -> Form {
        guard case .session = context.credential, let secret = request.cookies[SessionCookie.name]?.value else {
            throw APIError.forbidden("forms are for the hub's pages, with the login session")
        }
        try CrossSiteRequestGuard(settings: hub.configuration.server).checkOrigin(request)
        let form = try await decodeForm(type, request)
        guard CSRFToken.isValid(form.csrf, sessionSecret: secret) else { throw CSRFToken.invalid() }
        return form
    }
}
