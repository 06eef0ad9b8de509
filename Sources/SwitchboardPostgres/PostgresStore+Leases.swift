import Foundation
import PostgresNIO
import SwitchboardCore

// Leases between nodes (`cluster_leases`): one upsert that takes a free or run-out lease, or
// renews the caller's own, and returns nothing when another node holds it. Every time is the
// database's `now()`, never a node's clock, so nodes with skewed clocks still agree.
extension PostgresStore: ClusterLeases {
    package var isSharedBetweenNodes: Bool { true }

    package func acquireLease(_ name: String, node: String, ttl: TimeInterval) async throws -> ClusterLease {
        // A holder that releases between the upsert and the read leaves no row: try again.
        for _ in 0..<3 {
            let taken = try await rows(
                """
                INSERT INTO cluster_leases AS l (name, holder, expires_at, acquired_at)
                VALUES (\(name), \(node), now() + \(ttl) * interval '1 second', now())
                ON CONFLICT (name) DO UPDATE
                SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at,
                    acquired_at = CASE WHEN l.holder = EXCLUDED.holder THEN l.acquired_at ELSE EXCLUDED.acquired_at END
                WHERE l.expires_at <= now() OR l.holder = EXCLUDED.holder
                RETURNING name, holder, expires_at
                """
            )
            if let row = taken.first { return try Self.lease(row) }
            if let holder = try await leaseHolder(name) { return holder }
        }
        throw SwitchboardError.conflict("lease_contended", "the lease \(name) changed hands too often to read")
    }

    package func releaseLease(_ name: String, node: String) async throws {
        _ = try await rows("DELETE FROM cluster_leases WHERE name = \(name) AND holder = \(node)")
    }

    package func leaseHolder(_ name: String) async throws -> ClusterLease? {
        try await rows("SELECT name, holder, expires_at FROM cluster_leases WHERE name = \(name) AND expires_at > now()")
            .first.map(Self.lease)
    }

    static func lease(_ row: PostgresRandomAccessRow) throws -> ClusterLease {
        ClusterLease(
            name: try row["name"].decode(String.self),
            holder: try row["holder"].decode(String.self),
            expiresAt: try row["expires_at"].decode(Date.self)
        )
    }
}
