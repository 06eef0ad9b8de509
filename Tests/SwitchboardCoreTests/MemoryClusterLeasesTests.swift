import SwitchboardCore
import SwitchboardTesting
import Testing

/// The memory store is one node: it passes the single-node lease checks, granting every request.
@Suite("MemoryStore cluster leases")
struct MemoryClusterLeasesTests {
    @Test(arguments: ClusterLeasesConformance.Check.cases(shared: false))
    func check(_ check: ClusterLeasesConformance.Check) async throws {
        try await ClusterLeasesConformance {
            let store = MemoryStore()
            return (store, store)
        }
        .run(check)
    }

    @Test func theSingleNodeIsAlwaysTheHolder() async throws {
        let store = MemoryStore()
        _ = try await store.acquireLease("sweeper", node: "a", ttl: 30)
        let second = try await store.acquireLease("sweeper", node: "b", ttl: 30)
        #expect(second.isHeld(by: "b"))
    }
}
