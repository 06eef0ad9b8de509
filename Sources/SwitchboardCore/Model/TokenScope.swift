/// What an API token may be used for. A token given to another program (a dashboard's inbox
/// widget, an alerting script) should carry only what that program needs, so a token that
/// leaks from a web page can read the inbox and nothing more.
///
/// Scopes narrow a token, never widen its user: a token acts as its user, and only within its
/// scopes. A login session has every scope of its user. The set is short on purpose; each
/// API route needs exactly one (the server's `RouteScopes` is the map).
package enum TokenScope: String, Sendable, Codable, CaseIterable, Comparable {
    /// The common inbox and one's own: list, unread counts, items, form submissions, and the
    /// live inbox socket.
    case inboxRead = "inbox:read"
    /// Marking inbox items read or unread.
    case inboxWrite = "inbox:write"
    /// Sending messages, and reading the messages one sent with their deliveries.
    case messagesSend = "messages:send"
    /// Reading contacts and groups.
    case directoryRead = "directory:read"
    /// Creating, changing and deleting contacts, groups and memberships.
    case directoryWrite = "directory:write"
    /// Reading and aborting conversations.
    case conversations
    /// The message tester.
    case tester
    /// Topic sockets and pages.
    case topics
    /// One's own account: who am I, API tokens, logging out, one's own password.
    case account
    /// What only admins may do (users, the queue, deliveries, metrics). Without it an admin's
    /// token acts as a plain user's.
    case admin

    /// Every scope a user of `role` may hold: an admin all, a user all but `admin`.
    package static func granted(to role: UserAccount.Role) -> Set<TokenScope> {
        switch role {
        case .admin: Set(allCases)
        case .user: Set(allCases).subtracting([.admin])
        }
    }

    /// The scopes as they are written (`inbox:read account`), in a fixed order.
    package static func text(_ scopes: Set<TokenScope>) -> String {
        scopes.sorted().map(\.rawValue).joined(separator: " ")
    }

    /// Scopes from their written form; names this version does not know are left out (a
    /// token written by a newer version keeps only what this one can enforce).
    package static func parse(_ text: String) -> Set<TokenScope> {
        Set(text.split(separator: " ").compactMap { TokenScope(rawValue: String($0)) })
    }

    package static func < (a: TokenScope, b: TokenScope) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
