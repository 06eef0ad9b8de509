import Foundation

/// Where a page of a listing ordered by a unique name ended (groups by name, users by
/// username): the last name, in byte order. The text is the name in hexadecimal UTF-8, as
/// `RecipientCursor` writes its names, so any name survives a URL's query unchanged.
package struct NameCursor: Sendable, Equatable {
    package var name: String

    package init(name: String) {
        self.name = name
    }

    /// Reads a `nextCursor`; anything else is `invalid/invalid_cursor`.
    package init(parsing text: String) throws(SwitchboardError) {
        guard !text.isEmpty, let name = RecipientCursor.unhex(Substring(text)), !name.isEmpty else {
            throw SwitchboardError.invalid("invalid_cursor", "cursor '\(text)' is not a next_cursor from an earlier page")
        }
        self.init(name: name)
    }

    package var text: String { RecipientCursor.hex(name) }

    /// Whether `other` comes after this cursor in byte order.
    package func precedes(_ other: String) -> Bool { name.precedesInBinaryOrder(other) }
}
