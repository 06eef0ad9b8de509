import Foundation
import SwitchboardCore

// What the API shows of logins, the caller and API tokens.

/// The answer to a login.
struct SessionView: Encodable {
    var username: String
    @ExplicitNull var displayName: String?
    var role: String
    var expiresAt: Date
}

struct MeView: Encodable {
    var username: String
    @ExplicitNull var displayName: String?
    var role: String
    var createdAt: Date
    /// `session` or `token`.
    var authenticatedBy: String
}

struct TokenView: Encodable {
    var id: String
    var name: String
    var createdAt: Date
    /// What the token may do; a token from before scopes shows every scope of its user.
    var scopes: [String]
    init(_ t: APIToken, role: UserAccount.Role) {
        id = t.id
        name = t.name
        createdAt = t.createdAt
        scopes = Self.names(t.scopes ?? TokenScope.granted(to: role))
    }

    static func names(_ scopes: Set<TokenScope>) -> [String] { scopes.sorted().map(\.rawValue) }
}

/// The only time the token's secret is shown.
struct CreatedTokenView: Encodable {
    var token: String
    var id: String
    var name: String
    var createdAt: Date
    var scopes: [String]
}
