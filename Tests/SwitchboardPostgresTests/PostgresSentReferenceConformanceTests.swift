import SwitchboardCore
import SwitchboardTesting
import Testing

@testable import SwitchboardPostgres

/// Sent references against a real PostgreSQL: every check of `SentReferenceStoreConformance`
/// (a modem's status reports matched by reference, recipient and window), one test per check;
/// every store is a fresh schema.
@Suite("PostgresStore conformance: sent references", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresSentReferenceConformanceTests {
    @Test(arguments: SentReferenceStoreConformance.Check.allCases)
    func check(_ check: SentReferenceStoreConformance.Check) async throws {
        try await PostgresTestDatabase.withHarness { harness in
            try await SentReferenceStoreConformance { try await harness.makeStore() }.run(check)
        }
    }
}
