import SwitchboardCore
import SwitchboardTesting
import Testing

@testable import SwitchboardPostgres

/// A hub reply traced to what it answers against a real PostgreSQL: every check of
/// `IdempotencyKeyLookupConformance`, one test per check, each on a fresh schema.
@Suite("PostgresStore conformance: idempotency key lookup", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresIdempotencyKeyLookupTests {
    @Test(arguments: IdempotencyKeyLookupConformance.Check.allCases)
    func check(_ check: IdempotencyKeyLookupConformance.Check) async throws {
        try await PostgresTestDatabase.withHarness { harness in
            try await IdempotencyKeyLookupConformance { try await harness.makeStore() }.run(check)
        }
    }
}
