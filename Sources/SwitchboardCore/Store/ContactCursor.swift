import Foundation

/// Where a page of `DirectoryStore.contacts(_:)` ended: the last contact's name and id, the
/// listing's unique order (both in byte order), so contacts added or removed between pages
/// never shift one. Written as every cursor is (`PageCursor`): `NAME_ID`, both in hexadecimal
/// UTF-8.
package struct ContactCursor: PageCursor {
    package var name: String
    package var id: String

    package init(name: String, id: String) {
        self.name = name
        self.id = id
    }

    package init(_ contact: Contact) { self.init(name: contact.name, id: contact.id) }

    package static let layout: [CursorField.Kind] = [.name, .name]

    package init?(fields: [CursorField]) {
        guard case .name(let name) = fields.first, case .name(let id) = fields.last, !id.isEmpty else { return nil }
        self.init(name: name, id: id)
    }

    package var fields: [CursorField] { [.name(name), .name(id)] }

    /// Whether a contact comes after this cursor in name order, then id.
    package func precedes(_ contact: Contact) -> Bool {
        contact.name != name ? name.precedesInBinaryOrder(contact.name) : id.precedesInBinaryOrder(contact.id)
    }
}
