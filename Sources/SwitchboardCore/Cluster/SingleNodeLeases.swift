import Foundation
import Synchronization

/// The leases of a store that is one node by design (SQLite, memory): every request is
/// granted, so the one node always holds what it asks for. It still remembers the latest
/// holder, so status pages and tests read the same answers as on a shared store.
package final class SingleNodeLeases: ClusterLeases {
    private let held = Mutex<[String: ClusterLease]>([:])
    private let now: @Sendable () -> Date

    package init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    package func acquireLease(_ name: String, node: String, ttl: TimeInterval) async throws -> ClusterLease {
        let lease = ClusterLease(name: name, holder: node, expiresAt: now().addingTimeInterval(ttl))
        held.withLock { $0[name] = lease }
        return lease
    }

    package func releaseLease(_ name: String, node: String) async throws {
        held.withLock { leases in
            if leases[name]?.holder == node { leases[name] = nil }
        }
    }

    package func leaseHolder(_ name: String) async throws -> ClusterLease? {
        let now = now()
        return held.withLock { leases in leases[name].flatMap { $0.expiresAt > now ? $0 : nil } }
    }
}
