import Foundation

/// A page of `DirectoryStore.groups(limit:after:)`, in name order (byte order); group names
/// are unique, so the last name alone says where the page ended.
package struct GroupPage: Sendable, Equatable {
    package var groups: [ContactGroup]
    /// Set when more remain: pass it as `after` for the next page.
    package var nextCursor: String?

    package init(groups: [ContactGroup], nextCursor: String?) {
        self.groups = groups
        self.nextCursor = nextCursor
    }

    /// Cuts a page from rows read one beyond `limit` (in order, after the cursor).
    package init(rows: [ContactGroup], limit: Int) {
        let page = Array(rows.prefix(limit))
        self.init(groups: page, nextCursor: rows.count > limit ? page.last.map { NameCursor(name: $0.name).text } : nil)
    }
}
