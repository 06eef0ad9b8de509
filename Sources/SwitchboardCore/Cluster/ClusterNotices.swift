import Foundation
import Synchronization

/// What a store shared between nodes hears about other nodes' commits, handed to whoever
/// shows them live on this node (topic subscribers, the inbox sockets).
///
/// A notice carries ids and sequence numbers only, never message data: the listener reads
/// what it needs from the store and applies its own rules (filters, who may see what), as it
/// does for a write made here. Notices are hints that come after the commit; `.resync` says
/// some may have been missed (listening started again, or it is away and this is a poll), so
/// each listener catches up from what it last handed on. SQLite and memory stores are one
/// node: nothing ever delivers a notice, and listeners keep their one-node behaviour.
package final class ClusterNotices: Sendable {
    /// One thing another node (or this one, through the store) committed.
    package enum Notice: Sendable, Equatable {
        /// The topic table `table` has reached `revision`: every write up to it is committed.
        case topic(table: String, revision: Int64)
        /// An inbox item was committed by another node.
        case inboxItem(id: Int64)
        /// Notices may have been missed: listening (re)started (`resumed` after a loss), or
        /// it is lost and this is a poll; catch up from what was last handed on.
        case resync(resumed: Bool)
    }

    private let handlers = Mutex<[Int: @Sendable (Notice) async -> Void]>([:])
    private let nextID = Atomic<Int>(0)

    package init() {}

    /// Adds a handler, called for every notice in the order notices are delivered; returns
    /// its key for `remove`.
    @discardableResult
    package func add(_ handler: @escaping @Sendable (Notice) async -> Void) -> Int {
        let id = nextID.add(1, ordering: .relaxed).newValue
        handlers.withLock { $0[id] = handler }
        return id
    }

    package func remove(_ id: Int) {
        _ = handlers.withLock { $0.removeValue(forKey: id) }
    }

    /// Hands `notice` to every handler in turn and returns when each has dealt with it, so a
    /// listener that delivers notices one at a time keeps their order.
    package func deliver(_ notice: Notice) async {
        let targets = handlers.withLock { $0.sorted { $0.key < $1.key }.map(\.value) }
        for handler in targets { await handler(notice) }
    }

    package var handlerCount: Int { handlers.withLock { $0.count } }
}
