import Foundation
import Hummingbird
import SwitchboardCore

/// A page form that changes something and so carries the session's CSRF token as `_csrf`;
/// each page that takes one declares its own fields (`ActionForm` is the inbox's).
protocol CSRFCarryingForm: Decodable {
    var csrf: String? { get }
}

extension APIEnvironment {
    /// Reads a form of a logged-in page and proves it came from the hub's own page, by
    /// `checkPageRequest` with the token in `_csrf`: every page form goes through here.
    func csrfCheckedForm<Form: CSRFCarryingForm>(_ type: Form.Type, _ request: Request, _ context: Context) async throws -> Form {
        let secret = try pageSessionSecret(request, context)
        let form = try await decodeForm(type, request)
        try Self.checkCSRF(form.csrf, sessionSecret: secret)
        return form
    }

    /// A call of the hub's own page (its form, or its script's JSON with the token in the
    /// `X-CSRF-Token` header): the login session's cookie, the hub's origin and the session's
    /// CSRF token (403 otherwise).
    func checkPageRequest(_ request: Request, _ context: Context, token: String?) throws {
        try Self.checkCSRF(token, sessionSecret: try pageSessionSecret(request, context))
    }

    /// The session cookie's secret, once the request is known to come with the login session
    /// from the hub's own origin; checked before the body is read.
    private func pageSessionSecret(_ request: Request, _ context: Context) throws -> String {
        guard case .session = context.credential, let secret = request.cookies[SessionCookie.name]?.value else {
            throw APIError.forbidden("forms and calls of the hub's pages need the login session")
        }
        try CrossSiteRequestGuard(settings: hub.configuration.server).checkOrigin(request)
        return secret
    }

    private static func checkCSRF(_ token: String?, sessionSecret: String) throws {
        guard CSRFToken.isValid(token, sessionSecret: sessionSecret) else { throw CSRFToken.invalid() }
    }

    /// What the hub refused in a form's request, to show on the page (the API's own message
    /// and status); `nil` for anything else, which the error middleware handles and logs.
    static func refusal(_ error: any Error) -> APIError? {
        switch error {
        case let e as APIError: e
        case let e as SwitchboardError where e.kind != .internal: APIError(e)
        case let e as AddressError: APIError(e)
        default: nil
        }
    }
}
