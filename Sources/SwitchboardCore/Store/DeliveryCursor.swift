import Foundation

/// Where a page of `QueueStore.deliveries(status:limit:after:)` ended: the last delivery's
/// change time (seconds since 1970, as stores keep dates) and its row number, which breaks
/// ties. The same form as `ConversationCursor`, so every list's cursor reads alike; a page
/// ordered by a unique key stays whole while deliveries fail between pages (they land before
/// the cursor, newest first, and wait for the next walk from the top).
package struct DeliveryCursor: Sendable, Equatable {
    package var updatedAt: Double
    package var seq: Int64

    package init(updatedAt: Double, seq: Int64) {
        self.updatedAt = updatedAt
        self.seq = seq
    }

    /// Reads a `nextCursor`; anything else is `invalid/invalid_cursor`.
    package init(parsing text: String) throws(SwitchboardError) {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, let updatedAt = Double(parts[0]), updatedAt.isFinite, let seq = Int64(parts[1]), seq > 0 else {
            throw SwitchboardError.invalid("invalid_cursor", "cursor '\(text)' is not a next_cursor from an earlier page")
        }
        self.init(updatedAt: updatedAt, seq: seq)
    }

    package var text: String { "\(updatedAt)_\(seq)" }

    /// Whether a delivery at (`updatedAt`, `seq`) comes after this cursor in the listing order
    /// (newest change first, then the higher row first).
    package func precedes(updatedAt other: Double, seq otherSeq: Int64) -> Bool {
        other < updatedAt || (other == updatedAt && otherSeq < seq)
    }
}
