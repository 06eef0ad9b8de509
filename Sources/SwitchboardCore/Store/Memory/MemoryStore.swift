import Foundation
import Synchronization

/// Everything the hub keeps, in this process's memory: the store for tests and for embedding
/// the hub where nothing needs to survive the process (as swift-jobs ships `MemoryJobQueue`
/// beside its driver protocol, and Hummingbird its `MemoryPersistDriver`).
///
/// It is not a toy: it passes the same `StoreConformance` and `TopicStoreConformance` suites
/// as the SQLite store. Each call is one transaction under one lock, so concurrent callers
/// never see half of a write; a call that throws changes nothing (a write checks everything
/// before it changes anything, and one that can only find out part-way, a batch, works on a
/// draft of the state that replaces it only when the whole write succeeded); idempotency
/// keys, replay keys, claims and leases, unique names and ids, the links between users,
/// contacts, sessions and tokens, and the legal moves of a delivery are checked as the SQLite
/// store's constraints check them, and refused with the same errors.
///
/// What it does not do: survive the process, or share data with another process (the CLI
/// and a running hub each see their own). Dates are kept as given, not rounded to a column's
/// precision.
package final class MemoryStore: Sendable {
    let state = Mutex(State())
    /// One node by design: every lease is granted (see `ClusterLeases`).
    let leases = SingleNodeLeases()

    /// A new, empty store.
    package init() {}

    /// Runs `body` on the state under the lock. Use it for writes that check everything
    /// before they change anything, and for reads.
    func withState<T: Sendable>(_ body: (inout State) throws -> T) throws -> T {
        try state.withLock { state in try body(&state) }
    }

    /// Runs `body` on a draft of the state that replaces the state only if `body` returns:
    /// all or none, for writes that may refuse part-way (a batch, an insert with its keys).
    /// A draft copies the collections it changes, so it costs time in the size of the store.
    func transaction<T: Sendable>(_ body: (inout State) throws -> T) throws -> T {
        try state.withLock { state in
            var draft = state
            let result = try body(&draft)
            state = draft
            return result
        }
    }
}

extension String {
    /// SQLite's default text order (the bytes of the UTF-8), so listings sort as the SQLite
    /// store sorts them, whatever Swift's own `String` ordering would do.
    func precedesInBinaryOrder(_ other: String) -> Bool {
        utf8.lexicographicallyPrecedes(other.utf8)
    }
}
