import Foundation

/// A page of a listing ordered by a unique name, in byte order (groups by name, users by
/// username): the name is unique, so the last one alone says where the page ended
/// (`NameCursor`). One page type for every such listing, so they cut and continue alike.
package struct NamePage<Item: Sendable & Equatable>: Sendable, Equatable {
    package var items: [Item]
    /// Set when more remain: pass it as `after` for the next page.
    package var nextCursor: String?

    package init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    /// Cuts a page from rows read one beyond `limit` (in order, after the cursor); `name` is
    /// the unique name the rows are ordered by.
    package init(rows: [Item], limit: Int, name: KeyPath<Item, String>) {
        let page = Array(rows.prefix(limit))
        self.init(items: page, nextCursor: rows.count > limit ? page.last.map { NameCursor(name: $0[keyPath: name]).text } : nil)
    }
}

/// A page of `DirectoryStore.groups(limit:after:)`, in name order.
package typealias GroupPage = NamePage<ContactGroup>

/// A page of `DirectoryStore.users(limit:after:)`, in username order.
package typealias UserPage = NamePage<UserAccount>
