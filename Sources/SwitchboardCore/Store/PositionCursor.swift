import Foundation

/// Where a page of one message's deliveries ended: the last delivery's position in its
/// message (unique within the message, as deliveries are appended), so a page stays whole
/// while statuses change between pages. Written as every cursor is (`PageCursor`).
package struct PositionCursor: PageCursor {
    package var position: Int64

    package init(position: Int64) {
        self.position = position
    }

    package static let layout: [CursorField.Kind] = [.integer]

    package init?(fields: [CursorField]) {
        guard case .integer(let position) = fields.first, position >= 0 else { return nil }
        self.init(position: position)
    }

    package var fields: [CursorField] { [.integer(position)] }
}
