import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardPostgres

/// The `sweeper` lease between two nodes on one PostgreSQL schema, each with its own pool:
/// one holds it; when it stops renewing (dies), the other takes over after the time-to-live
/// by the database's clock; a node that shuts down releases it and the other takes it at once.
@Suite("PostgreSQL: once per cluster", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresOncePerClusterTests {
    static func nodes(_ harness: PostgresHarness) async throws -> (PostgresStore, PostgresStore) {
        let schema = try await harness.makeSchema()
        let a = try harness.makeUnmigratedStore(schema: schema)
        let b = try harness.makeUnmigratedStore(schema: schema)
        try await a.migrate()
        return (a, b)
    }

    /// Renews `keeper` until it holds its lease; false if it did not within `limit` seconds.
    static func renewUntilHeld(_ keeper: LeaseKeeper, limit: TimeInterval) async throws -> Bool {
        let deadline = Date().addingTimeInterval(limit)
        while Date() < deadline {
            if await keeper.renew() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test func aDeadHoldersLeaseIsTakenOverAfterItsTimeToLive() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let (storeA, storeB) = try await Self.nodes(harness)
            // B's pool connects before A takes the lease, and the time-to-live is 3 s: with 1 s and
            // a cold pool, B's first try came after the end once on a loaded CI machine.
            _ = try await storeB.leaseHolder(ClusterLeaseName.sweeper)
            let a = LeaseKeeper(leases: storeA, name: ClusterLeaseName.sweeper, node: "node-a", ttl: 3, logger: PostgresTestDatabase.logger)
            let b = LeaseKeeper(leases: storeB, name: ClusterLeaseName.sweeper, node: "node-b", ttl: 3, logger: PostgresTestDatabase.logger)
            // Before A's request is sent: the database starts A's time-to-live no earlier, so B's
            // grant, which the database times from A's, comes at least 3 s after this instant.
            let takenAt = Date()
            #expect(await a.renew())
            // Node a dies: it renews no more. Node b gets the lease once it has run out. On a
            // loaded machine even B's first try may come after that; whenever B gets it, it is
            // not before the time-to-live has passed.
            if await b.renew() == false {
                #expect(b.isHolder == false)
                #expect(try await Self.renewUntilHeld(b, limit: 20))
            }
            #expect(b.isHolder)
            #expect(Date().timeIntervalSince(takenAt) >= 2.9, "not before the time-to-live has passed")
            #expect(a.isHolder == false, "a's own count has run out too")
            #expect(await a.renew() == false)
            #expect(try await storeA.leaseHolder(ClusterLeaseName.sweeper)?.holder == "node-b")
        }
    }

    @Test func aNodeThatShutsDownHandsTheLeaseOverAtOnce() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let (storeA, storeB) = try await Self.nodes(harness)
            let a = LeaseKeeper(leases: storeA, name: ClusterLeaseName.sweeper, node: "node-a", ttl: 60, logger: PostgresTestDatabase.logger)
            let b = LeaseKeeper(leases: storeB, name: ClusterLeaseName.sweeper, node: "node-b", ttl: 60, logger: PostgresTestDatabase.logger)
            #expect(await a.renew())
            #expect(await b.renew() == false)
            await a.release()
            #expect(a.isHolder == false)
            #expect(await b.renew(), "a released lease is free long before its time-to-live")
        }
    }
}
