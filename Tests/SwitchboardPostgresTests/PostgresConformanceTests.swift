import SwitchboardCore
import SwitchboardTesting
import Testing

@testable import SwitchboardPostgres

/// The dispatcher's part of the conformance suites (outbox, claims under leases, queue,
/// delivery reports) against a real PostgreSQL, one test per check so a failure names the
/// behaviour that broke; every store is a fresh schema.
@Suite("PostgresStore conformance: dispatch", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresConformanceTests {
    @Test(arguments: DispatchStoreConformance.Check.allCases)
    func check(_ check: DispatchStoreConformance.Check) async throws {
        try await PostgresTestDatabase.withHarness { harness in
            try await DispatchStoreConformance { try await harness.makeStore() }.run(check)
        }
    }
}
