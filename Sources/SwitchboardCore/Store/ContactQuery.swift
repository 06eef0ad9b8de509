import Foundation

/// A search of the address book, a page at a time, as the contacts page, the API's
/// `GET /api/v1/contacts?q=` and the send screen's completion ask it: every word of `search`
/// (case-insensitive) in the contact's name, one of its addresses or the name of a group it
/// is in. The store answers in name order (byte order, then id), so only one page is read.
package struct ContactQuery: Sendable, Equatable {
    /// At most this many words count, each at most `maxWordBytes`; the rest is ignored, so a
    /// search costs the same whatever is typed.
    package static let maxWords = 8
    package static let maxWordBytes = 100

    package var words: [String]
    /// Only the members of this group (a group's page and `GET /api/v1/groups/{name}/members`).
    package var group: String?
    package var limit: Int
    /// A `ContactPage.nextCursor`; one the store did not make throws `invalid/invalid_cursor`.
    package var cursor: String?

    package init(search: String = "", group: String? = nil, limit: Int = 50, cursor: String? = nil) {
        self.group = group
        words = Self.words(search)
        self.limit = limit
        self.cursor = cursor
    }

    /// A search's words, lower-cased: at most `maxWords` of at most `maxWordBytes` each
    /// (the group search splits its text the same way).
    package static func words(_ search: String) -> [String] {
        search.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            .prefix(maxWords)
            .map { String(decoding: $0.utf8.prefix(maxWordBytes), as: UTF8.self) }
    }

    /// Whether a contact with these lower-cased texts matches: every word in one of them.
    package func matches(_ texts: [String]) -> Bool {
        words.allSatisfy { word in texts.contains { $0.contains(word) } }
    }
}

/// A page of contacts; pass `nextCursor` as the next query's cursor.
package struct ContactPage: Sendable, Equatable {
    package var contacts: [Contact]
    /// Set when more remain.
    package var nextCursor: String?
    package init(contacts: [Contact], nextCursor: String?) {
        self.contacts = contacts
        self.nextCursor = nextCursor
    }
}
