import Foundation

// The memory store is one process, so one node: its leases are always granted.
extension MemoryStore: ClusterLeases {
    package func acquireLease(_ name: String, node: String, ttl: TimeInterval) async throws -> ClusterLease {
        try await leases.acquireLease(name, node: node, ttl: ttl)
    }

    package func releaseLease(_ name: String, node: String) async throws {
        try await leases.releaseLease(name, node: node)
    }

    package func leaseHolder(_ name: String) async throws -> ClusterLease? {
        try await leases.leaseHolder(name)
    }
}
