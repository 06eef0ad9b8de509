import Crypto
import Foundation
import Hummingbird

/// The per-session token that proves a state change came from one of the hub's own pages.
///
/// It is derived from the session cookie's secret (HMAC-SHA256 over a fixed label), so the hub
/// stores nothing more and the token ends with the session; a page gets it in
/// `<meta name="csrf-token">` and sends it back in the `X-CSRF-Token` header (scripts) or the
/// hidden `_csrf` field (forms). Another site can neither read the HttpOnly cookie nor a page of
/// the hub (same-origin policy, `frame-ancestors 'none'`), so it cannot know the token. This is
/// OWASP's "signed double-submit" pattern, next to the origin check of `CrossSiteRequestGuard`.
enum CSRFToken {
    static let header = HTTPFieldName("X-CSRF-Token")!
    static let formField = "_csrf"
    private static let label = Array("switchboard csrf v1".utf8)

    static func make(sessionSecret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: label, using: SymmetricKey(data: Array(sessionSecret.utf8)))
        return Secrets.base64URL(Array(code))
    }

    /// Whether `given` is the token of `sessionSecret`, compared in constant time.
    static func isValid(_ given: String?, sessionSecret: String) -> Bool {
        guard let given else { return false }
        let expected = Array(make(sessionSecret: sessionSecret).utf8)
        let actual = Array(given.utf8)
        guard expected.count == actual.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, actual) { difference |= a ^ b }
        return difference == 0
    }

    /// The token for the session cookie the request carries, if any.
    static func forRequest(_ request: Request) -> String? {
        guard let secret = request.cookies[SessionCookie.name]?.value, !secret.isEmpty else { return nil }
        return make(sessionSecret: secret)
    }

    static func invalid() -> APIError {
        APIError(
            .forbidden,
            "csrf_token_invalid",
            "this change must carry the page's CSRF token (X-CSRF-Token header or _csrf field); reload the page and try again"
        )
    }
}
