import Foundation

/// The order in which one node hands one topic's changes to its subscribers when several
/// nodes write the topic: every revision once, in revision order, whichever node wrote it.
///
/// A plain state machine (the hub carries out what it returns, under one lock, so what it
/// returns is published in order). `delivered` is the last revision handed on (or known to
/// need nobody here). A change written here is handed on at once when it is the next
/// revision; one that overtook a revision written elsewhere waits in `waiting` until that
/// revision is read from the store. A notice or a poll that shows a higher revision asks for
/// the changes above `delivered` to be read; what is read is handed on in order, with the
/// changes waiting here taking the place of their read copies.
///
/// Without subscribers nothing needs reading: the revision jumps to what was noticed. That
/// is safe because a subscriber registers before it reads its history, so any revision
/// committed before it registered is in that history.
struct TopicRelay: Sendable {
    /// The last revision handed on; nil until the topic's revision was read at start.
    private(set) var delivered: Int64?
    /// Changes written here above `delivered + 1`, after `modify`, by revision.
    private(set) var waiting: [Int64: TopicChange] = [:]

    /// Starts (or moves) the count at the revision the store had when the hub prepared.
    mutating func start(at revision: Int64) {
        delivered = max(delivered ?? revision, revision)
        drop()
    }

    /// A change this node committed, after `modify`: what to publish now, in order.
    mutating func committedHere(_ change: TopicChange, hasSubscribers: Bool) -> [TopicChange] {
        let revision = change.revision
        guard let current = delivered else {
            // Not started: nobody can be subscribed yet (subscribing prepares first).
            delivered = revision
            return [change]
        }
        if revision <= current { return [] }
        if revision == current + 1 || !hasSubscribers {
            delivered = revision
            return [change] + drain()
        }
        waiting[revision] = change
        return []
    }

    /// A notice or a poll says the topic has reached `revision`: the revision above which to
    /// read, or nil when nothing needs reading (already handed on, not started, or nobody
    /// subscribed here, when the count just moves on).
    mutating func noticed(_ revision: Int64, hasSubscribers: Bool) -> Int64? {
        guard let current = delivered, revision > current else { return nil }
        guard hasSubscribers else {
            delivered = revision
            drop()
            return nil
        }
        return current
    }

    /// Changes read from the store (after `modify`, oldest first) and the revision they reach:
    /// what to publish now, in order. Read changes at or below `delivered` were handed on
    /// meanwhile (written here, or read by an earlier catch-up) and are skipped.
    mutating func read(_ changes: [TopicChange], through revision: Int64) -> [TopicChange] {
        guard var current = delivered else { return [] }
        var out: [TopicChange] = []
        for change in changes where change.revision > current && change.revision <= revision {
            out.append(waiting.removeValue(forKey: change.revision) ?? change)
            current = change.revision
        }
        delivered = max(current, revision)
        return out + drain()
    }

    /// Changes waiting here that follow on from `delivered` now.
    private mutating func drain() -> [TopicChange] {
        drop()
        var out: [TopicChange] = []
        while let current = delivered, let next = waiting.removeValue(forKey: current + 1) {
            out.append(next)
            delivered = current + 1
        }
        return out
    }

    /// Forgets waiting changes at or below `delivered` (they were handed on another way).
    private mutating func drop() {
        guard let current = delivered, !waiting.isEmpty else { return }
        waiting = waiting.filter { $0.key > current }
    }
}
