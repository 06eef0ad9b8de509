import Foundation
import Hummingbird
import SwitchboardCore

/// A page form that changes something and so carries the session's CSRF token as `_csrf`;
/// each page that takes one declares its own fields (`ActionForm` is the inbox's).
protocol CSRFCarryingForm: Decodable {
    var csrf: String? { get }
}

extension APIEnvironment {
    /// Reads a form of a logged-in page and proves it came from the hub's own page: the
    /// session cookie, the origin, and the CSRF token in `_csrf` (403 otherwise).
    func csrfCheckedForm<Form: CSRFCarryingForm>(_ type: Form.Type, _ request: Request, _ context: Context) async throws -> Form {
        guard case .session = context.credential, let secret = request.cookies[SessionCookie.name]?.value else {
            throw APIError.forbidden("forms are for the hub's pages, with the login session")
        }
        try CrossSiteRequestGuard(settings: hub.configuration.server).checkOrigin(request)
        let form = try await decodeForm(type, request)
        guard CSRFToken.isValid(form.csrf, sessionSecret: secret) else { throw CSRFToken.invalid() }
        return form
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
