import Foundation

/// Named leases by which hub nodes sharing one store agree who does a piece of work that must
/// run once in the cluster (the sweepers, a connector the outside world allows one session of).
///
/// A lease has one holder until its time runs out; the holder renews it well before then, so a
/// node that dies (or stops renewing) loses its work to another within one time-to-live. Times
/// are the store's clock, never a node's: nodes whose clocks disagree still agree on who holds
/// what. A store that is one node by design (SQLite, memory) grants every request; PostgreSQL
/// keeps a row per lease.
package protocol ClusterLeases: Sendable {
    /// Takes `name` for `node` for `ttl` seconds when it is free, expired or already `node`'s
    /// (then it is renewed from now).
    /// - Returns: the lease as it stands afterwards: `node`'s when taken, else the holder's.
    func acquireLease(_ name: String, node: String, ttl: TimeInterval) async throws -> ClusterLease

    /// Gives `name` up when `node` holds it, so another node may take it at once; does nothing
    /// when someone else holds it.
    func releaseLease(_ name: String, node: String) async throws

    /// Who holds `name` now; nil when nobody does (never taken, released, or run out).
    func leaseHolder(_ name: String) async throws -> ClusterLease?

    /// Whether other nodes may hold these leases (PostgreSQL); false for a store that is one
    /// node by design, whose one node holds every lease without asking.
    var isSharedBetweenNodes: Bool { get }
}

extension ClusterLeases {
    package var isSharedBetweenNodes: Bool { false }
}

/// One named lease and its holder, as the store saw it.
package struct ClusterLease: Sendable, Equatable {
    package var name: String
    /// The node id of the holder (see `ClusterNodeID`).
    package var holder: String
    /// When it runs out unless renewed, by the store's clock.
    package var expiresAt: Date

    package init(name: String, holder: String, expiresAt: Date) {
        self.name = name
        self.holder = holder
        self.expiresAt = expiresAt
    }

    package func isHeld(by node: String) -> Bool { holder == node }
}

/// The names of the leases the hub takes.
package enum ClusterLeaseName {
    /// The sweepers and scheduled work that run once in the cluster.
    package static let sweeper = "sweeper"

    /// A connector that only one node may run at a time.
    package static func connector(_ name: String) -> String { "connector:\(name)" }
}
