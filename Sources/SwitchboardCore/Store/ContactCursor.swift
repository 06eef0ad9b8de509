import Foundation

/// Where a page of `DirectoryStore.contacts(_:)` ended: the last contact's name and id, the
/// listing's unique order (both in byte order), so contacts added or removed between pages
/// never shift one. The text is `NAME_ID` with both in hexadecimal UTF-8, as `RecipientCursor`
/// writes its names.
package struct ContactCursor: Sendable, Equatable {
    package var name: String
    package var id: String

    package init(name: String, id: String) {
        self.name = name
        self.id = id
    }

    /// Reads a `nextCursor`; anything else is `invalid/invalid_cursor`.
    package init(parsing text: String) throws(SwitchboardError) {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, let name = RecipientCursor.unhex(parts[0]), let id = RecipientCursor.unhex(parts[1]), !id.isEmpty else {
            throw SwitchboardError.invalid("invalid_cursor", "cursor '\(text)' is not a next_cursor from an earlier page")
        }
        self.init(name: name, id: id)
    }

    package init(_ contact: Contact) { self.init(name: contact.name, id: contact.id) }

    package var text: String { "\(RecipientCursor.hex(name))_\(RecipientCursor.hex(id))" }

    /// Whether a contact comes after this cursor in name order, then id.
    package func precedes(_ contact: Contact) -> Bool {
        contact.name != name ? name.precedesInBinaryOrder(contact.name) : id.precedesInBinaryOrder(contact.id)
    }
}
