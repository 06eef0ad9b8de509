import Foundation

/// Where a page of `ConversationStore.conversations` ended: the last conversation's start
/// (seconds since 1970, as stores keep dates) and its row number, which breaks ties. Both
/// stores write and read this one form, so a cursor stays valid while conversations are
/// started or purged between pages.
package struct ConversationCursor: Sendable, Equatable {
    package var startedAt: Double
    package var seq: Int64

    package init(startedAt: Double, seq: Int64) {
        self.startedAt = startedAt
        self.seq = seq
    }

    /// Reads a `nextCursor`; anything else is `invalid/invalid_cursor`.
    package init(parsing text: String) throws(SwitchboardError) {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, let startedAt = Double(parts[0]), startedAt.isFinite, let seq = Int64(parts[1]), seq > 0 else {
            throw SwitchboardError.invalid("invalid_cursor", "cursor '\(text)' is not a next_cursor from an earlier page")
        }
        self.init(startedAt: startedAt, seq: seq)
    }

    package var text: String { "\(startedAt)_\(seq)" }

    /// Whether a conversation at (`startedAt`, `seq`) comes after this cursor in the listing
    /// order (most recently started first, then the higher row first).
    package func precedes(startedAt other: Double, seq otherSeq: Int64) -> Bool {
        other < startedAt || (other == startedAt && otherSeq < seq)
    }
}
