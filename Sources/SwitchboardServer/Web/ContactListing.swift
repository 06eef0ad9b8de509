import SwitchboardCore

/// One page of the address book for the contacts page: contacts matching a search, in name
/// order, after a cursor. The cursor is the last row's sort key (name in lower case, then id),
/// not a position, so a contact added or deleted meanwhile never shifts a page.
struct ContactListing: Equatable {
    var contacts: [Contact]
    /// The cursor of the next page, when there is one.
    var next: String?

    init(_ all: [Contact], search: String, after cursor: String?, limit: Int) {
        let words = search.lowercased().split(separator: " ").map(String.init)
        let sorted = all.filter { Self.matches($0, words) }.sorted { Self.key($0) < Self.key($1) }
        let rest = cursor.map { cursor in sorted.drop { Self.key($0) <= cursor } } ?? sorted[...]
        contacts = Array(rest.prefix(limit))
        next = rest.count > limit ? contacts.last.map(Self.key) : nil
    }

    static func key(_ contact: Contact) -> String {
        contact.name.lowercased() + "\u{1F}" + contact.id
    }

    /// Every word is in the name or in one of the addresses; digits match a phone number
    /// however it was spaced (`123 45` finds `+4712345…`).
    static func matches(_ contact: Contact, _ words: [String]) -> Bool {
        let name = contact.name.lowercased()
        let addresses = contact.addresses.map { $0.description.lowercased() }
        return words.allSatisfy { word in
            name.contains(word) || addresses.contains { $0.contains(word) }
        }
    }
}
