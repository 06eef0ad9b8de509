import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardPostgres

/// Several nodes (each a store with its own pool) on one database share the work: what one
/// claims, no other takes while the lease lasts, and every due delivery is taken by someone.
@Suite("PostgreSQL: several nodes on one database", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresNodesTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// Accepts `count` deliveries due at `t0`, ten to a message, through `store`.
    static func queue(_ count: Int, on store: PostgresStore) async throws -> Set<String> {
        var ids: Set<String> = []
        for _ in 0..<(count / 10) {
            let message = Message(text: "node test", sender: "alice", createdAt: t0)
            let deliveries = (0..<10).map { n in
                Delivery(messageID: message.id, address: .sms("+47\(40_000_000 + ids.count + n)"), channel: .sms, createdAt: t0)
            }
            _ = try await store.accept(Submission(message: message, deliveries: deliveries))
            ids.formUnion(deliveries.map(\.id))
        }
        return ids
    }

    /// Three nodes, each with four claimers, drain 600 deliveries: each is claimed exactly once.
    @Test func nodesClaimingAtOnceTakeEachDeliveryOnce() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let schema = try await harness.makeSchema()
            let nodes = try (0..<3).map { _ in try harness.makeUnmigratedStore(schema: schema, poolSize: 4) }
            try await nodes[0].migrate()
            let queued = try await Self.queue(600, on: nodes[1])
            let claims = try await withThrowingTaskGroup(of: [String].self) { group in
                for node in nodes {
                    for _ in 0..<4 {
                        group.addTask {
                            var mine: [String] = []
                            // Bounded, so a store that hands deliveries out again fails instead of hanging.
                            while mine.count <= 600 {
                                let jobs = try await node.claimDue(limit: 9, now: Self.t0, leaseUntil: Self.t0.addingTimeInterval(600))
                                if jobs.isEmpty { break }
                                mine += jobs.map(\.delivery.id)
                            }
                            return mine
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let flat = claims.flatMap { $0 }
            #expect(flat.count == 600, "600 claims in all")
            #expect(Set(flat) == queued, "every queued delivery was claimed, none twice")
            #expect(claims.filter { !$0.isEmpty }.count > 1, "the work was shared")
        }
    }

    /// A node that claimed and died leaves its deliveries to the others once the lease runs
    /// out, and not before.
    @Test func anotherNodeTakesOverADeadNodesClaimsWhenTheLeaseRunsOut() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let schema = try await harness.makeSchema()
            let dead = try harness.makeUnmigratedStore(schema: schema)
            let survivor = try harness.makeUnmigratedStore(schema: schema)
            try await dead.migrate()
            let queued = try await Self.queue(20, on: dead)
            let lease = Self.t0.addingTimeInterval(30)
            #expect(Set(try await dead.claimDue(limit: 100, now: Self.t0, leaseUntil: lease).map(\.delivery.id)) == queued)
            #expect(try await survivor.claimDue(limit: 100, now: Self.t0.addingTimeInterval(29), leaseUntil: lease).isEmpty)
            #expect(try await survivor.nextDue() == lease)
            let taken = try await survivor.claimDue(limit: 100, now: lease, leaseUntil: lease.addingTimeInterval(30))
            #expect(Set(taken.map(\.delivery.id)) == queued)
        }
    }
}
