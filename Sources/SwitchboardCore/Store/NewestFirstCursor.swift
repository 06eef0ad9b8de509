import Foundation

/// Where a page of a newest-first listing ended: the last row's time (seconds since 1970, as
/// stores keep dates) and its row number, which breaks ties. A page ordered by a unique key
/// stays whole while rows come and go between pages (a row that changes lands before the
/// cursor, newest first, and waits for the next walk from the top). Written as every cursor
/// is (`PageCursor`): `TIME_ROW`.
package struct NewestFirstCursor: PageCursor {
    package var time: Double
    package var seq: Int64

    package init(time: Double, seq: Int64) {
        self.time = time
        self.seq = seq
    }

    package static let layout: [CursorField.Kind] = [.time, .integer]

    package init?(fields: [CursorField]) {
        guard case .time(let time) = fields.first, case .integer(let seq) = fields.last, seq > 0 else { return nil }
        self.init(time: time, seq: seq)
    }

    package var fields: [CursorField] { [.time(time), .integer(seq)] }

    /// Whether a row at (`time`, `seq`) comes after this cursor in the listing order (newest
    /// first, then the higher row first).
    package func precedes(time other: Double, seq otherSeq: Int64) -> Bool {
        other < time || (other == time && otherSeq < seq)
    }
}

/// Where a page of `QueueStore.deliveries(status:limit:after:)` ended: the last delivery's
/// change time and row.
package typealias DeliveryCursor = NewestFirstCursor

/// Where a page of `ConversationStore.conversations` ended: the last conversation's start and
/// row.
package typealias ConversationCursor = NewestFirstCursor
