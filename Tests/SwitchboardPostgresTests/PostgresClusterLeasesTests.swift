import SwitchboardCore
import SwitchboardTesting
import Testing

@testable import SwitchboardPostgres

/// Leases on PostgreSQL: every check, the shared-store ones included, with two stores (two
/// nodes, each its own pool) on one schema.
@Suite("PostgresStore cluster leases", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresClusterLeasesTests {
    @Test(arguments: ClusterLeasesConformance.Check.cases(shared: true))
    func check(_ check: ClusterLeasesConformance.Check) async throws {
        try await PostgresTestDatabase.withHarness { harness in
            try await ClusterLeasesConformance {
                let schema = try await harness.makeSchema()
                let a = try harness.makeUnmigratedStore(schema: schema)
                let b = try harness.makeUnmigratedStore(schema: schema)
                try await a.migrate()
                return (a, b)
            }
            .run(check)
        }
    }
}
