import Foundation

/// Where a page of a listing ordered by a unique name ended (groups by name, users by
/// username): the last name, in byte order. Written as every cursor is (`PageCursor`): the
/// name in hexadecimal UTF-8, so any name survives a URL's query unchanged.
package struct NameCursor: PageCursor {
    package var name: String

    package init(name: String) {
        self.name = name
    }

    package static let layout: [CursorField.Kind] = [.name]

    package init?(fields: [CursorField]) {
        guard case .name(let name) = fields.first, !name.isEmpty else { return nil }
        self.init(name: name)
    }

    package var fields: [CursorField] { [.name(name)] }

    /// Whether `other` comes after this cursor in byte order.
    package func precedes(_ other: String) -> Bool { name.precedesInBinaryOrder(other) }
}
