import Foundation

/// A page of `DirectoryStore.users(limit:after:)`, in username order (byte order); usernames
/// are unique, so the last one alone says where the page ended.
package struct UserPage: Sendable, Equatable {
    package var users: [UserAccount]
    /// Set when more remain: pass it as `after` for the next page.
    package var nextCursor: String?

    package init(users: [UserAccount], nextCursor: String?) {
        self.users = users
        self.nextCursor = nextCursor
    }

    /// Cuts a page from rows read one beyond `limit` (in order, after the cursor).
    package init(rows: [UserAccount], limit: Int) {
        let page = Array(rows.prefix(limit))
        self.init(users: page, nextCursor: rows.count > limit ? page.last.map { NameCursor(name: $0.username).text } : nil)
    }
}
