import PostgresNIO
import SwitchboardCore

/// A table listed a page at a time by its unique name (users by username, groups by name):
/// the one query they share, so their pages cut and continue alike. A range of the primary
/// key in byte order (`COLLATE "C"`, as SQLite sorts, whatever the database's locale), each
/// word of a search an `ILIKE` pattern on the name (as the contact search does), one row
/// beyond the page.
struct PostgresNameListing<Item: Sendable & Equatable> {
    /// The table as SQL names it (quoted where it must be: `"groups"`).
    var table: String
    var columns: String
    /// The unique name's column, and the same name on the model.
    var nameColumn: String
    var name: KeyPath<Item, String>
    var decode: (PostgresRandomAccessRow) throws -> Item

    /// The page's statement: the rows after `cursor` whose name holds every word, at most
    /// `limit + 1` of them, values bound.
    func query(after cursor: NameCursor?, words: [String], limit: Int) -> PostgresQuery {
        var b = QueryBuilder()
        var clauses = cursor.map { ["\(nameColumn) COLLATE \"C\" > \(b.bind($0.name)) COLLATE \"C\""] } ?? []
        for word in words { clauses.append("\(nameColumn) ILIKE \(b.bind("%" + PostgresStore.likeEscaped(word) + "%"))") }
        let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let sql = """
            SELECT \(columns) FROM \(table) \(filter)
            ORDER BY \(nameColumn) COLLATE "C" LIMIT \(b.bind(Int64(limit + 1)))
            """
        return b.query(sql)
    }
}

extension PostgresNameListing<UserAccount> {
    static var users: Self {
        Self(table: "users", columns: DirectoryRecords.userColumns, nameColumn: "username", name: \.username, decode: DirectoryRecords.user)
    }
}

extension PostgresNameListing<ContactGroup> {
    static var groups: Self {
        Self(table: "\"groups\"", columns: DirectoryRecords.groupColumns, nameColumn: "name", name: \.name, decode: DirectoryRecords.group)
    }
}

extension PostgresStore {
    /// At most `limit` of `listing`'s rows after `cursor` (a `NameCursor`'s text; one the store
    /// did not make is `invalid/invalid_cursor`) whose name holds every word of `search`.
    func page<Item>(of listing: PostgresNameListing<Item>, search: String = "", limit: Int, after cursor: String?) async throws -> NamePage<Item> {
        let cursor = try cursor.map { text throws(SwitchboardError) in try NameCursor(parsing: text) }
        guard limit > 0 else { return NamePage(items: [], nextCursor: nil) }
        let rows = try await rows(listing.query(after: cursor, words: ContactQuery.words(search), limit: limit))
        return NamePage(rows: try rows.map(listing.decode), limit: limit, name: listing.name)
    }
}
