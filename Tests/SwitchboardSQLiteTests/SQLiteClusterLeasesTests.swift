import SwitchboardCore
import SwitchboardSQLite
import SwitchboardTesting
import Testing

/// A SQLite file is one node by design: it passes the single-node lease checks.
@Suite("SQLite cluster leases")
struct SQLiteClusterLeasesTests {
    @Test(arguments: ClusterLeasesConformance.Check.cases(shared: false))
    func check(_ check: ClusterLeasesConformance.Check) async throws {
        try await ClusterLeasesConformance {
            let store = try SQLiteStore.inMemory()
            return (store, store)
        }
        .run(check)
    }
}
