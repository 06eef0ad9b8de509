import Foundation

/// `cluster:`: how this hub node takes part when several nodes share one PostgreSQL store.
/// On SQLite (one node by design) the keys are read but change nothing.
package struct ClusterSettings: Sendable, Equatable {
    /// This node's id in leases; nil makes one at start (host name, pid, random part).
    package var nodeID: String?
    /// How long a lease lasts unless renewed, in seconds: how long work waits after its
    /// node dies before another node takes it over. Renewed every third of it.
    package var leaseTTL: TimeInterval = 15

    package init(nodeID: String? = nil, leaseTTL: TimeInterval = 15) {
        self.nodeID = nodeID
        self.leaseTTL = leaseTTL
    }
}

extension HubConfigurationParser {
    /// `cluster.{node_id, lease_ttl}`.
    func cluster(_ r: ConfigReader?) -> ClusterSettings {
        var s = ClusterSettings()
        guard let r else { return s }
        if let v = r.string("node_id") {
            if v.isEmpty || v.count > 128 || v.contains(where: { $0.isWhitespace || $0.isNewline }) {
                r.problem("node_id", "'\(v)' must be 1-128 characters without spaces")
            } else {
                s.nodeID = v
            }
        }
        if let v = r.positiveDuration("lease_ttl") {
            if v < 1 {
                r.problem("lease_ttl", "must be at least 1 s (renewed every third of it)")
            } else {
                s.leaseTTL = v
            }
        }
        r.rejectUnknownKeys()
        return s
    }
}
