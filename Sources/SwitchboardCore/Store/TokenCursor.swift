import Foundation

/// Where a page of `CredentialStore.tokens(username:limit:after:)` ended: the last token's
/// creation time (seconds since 1970, as stores keep dates) and its id in byte order, which
/// breaks ties, so tokens made or revoked between pages never shift one. Written as every
/// cursor is (`PageCursor`): `CREATED_ID` with the id in hexadecimal UTF-8.
package struct TokenCursor: PageCursor {
    package var created: Double
    package var id: String

    package init(created: Double, id: String) {
        self.created = created
        self.id = id
    }

    package static let layout: [CursorField.Kind] = [.time, .name]

    package init?(fields: [CursorField]) {
        guard case .time(let created) = fields.first, case .name(let id) = fields.last, !id.isEmpty else { return nil }
        self.init(created: created, id: id)
    }

    package var fields: [CursorField] { [.time(created), .name(id)] }

    /// Whether a token made at `other` with id `otherID` comes after this cursor (oldest
    /// first, then id in byte order).
    package func precedes(created other: Double, id otherID: String) -> Bool {
        other != created ? created < other : id.precedesInBinaryOrder(otherID)
    }
}
