import Foundation

/// A page of one user's API tokens (`CredentialStore.tokens(username:limit:after:)`), oldest
/// first, ties by id.
package struct TokenPage: Sendable, Equatable {
    package var tokens: [APIToken]
    /// Set when more remain: pass it as `after` for the next page.
    package var nextCursor: String?

    package init(tokens: [APIToken], nextCursor: String?) {
        self.tokens = tokens
        self.nextCursor = nextCursor
    }
}
