import Foundation
import SwitchboardCore
import Synchronization

/// Leases shared between nodes, kept in memory under one lock with a clock the test sets: what
/// PostgreSQL's `cluster_leases` does, for Core tests of two hubs on one store with controlled
/// time. It passes every `ClusterLeasesConformance` check a shared store must.
package final class SharedMemoryLeases: ClusterLeases {
    private let held = Mutex<[String: ClusterLease]>([:])
    private let now: @Sendable () -> Date

    package init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    package var isSharedBetweenNodes: Bool { true }

    package func acquireLease(_ name: String, node: String, ttl: TimeInterval) async throws -> ClusterLease {
        let now = now()
        return held.withLock { leases in
            if let lease = leases[name], lease.expiresAt > now, !lease.isHeld(by: node) { return lease }
            let lease = ClusterLease(name: name, holder: node, expiresAt: now.addingTimeInterval(ttl))
            leases[name] = lease
            return lease
        }
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
