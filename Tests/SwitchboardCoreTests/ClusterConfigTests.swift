import Foundation
import SwitchboardConfig
import SwitchboardTesting
import Testing

@testable import SwitchboardCore

@Suite("Cluster settings in the configuration")
struct ClusterConfigTests {
    @Test func defaultsAndEveryKey() throws {
        let defaults = try #require(ConfigTestEngines.parse("").configuration).cluster
        #expect(defaults == ClusterSettings() && defaults.nodeID == nil && defaults.leaseTTL == 15)
        let parsed = ConfigTestEngines.parse(
            """
            cluster:
              node_id: hub-a
              lease_ttl: 30s
            """
        )
        let s = try #require(parsed.configuration, "\(parsed.problems)").cluster
        #expect(s == ClusterSettings(nodeID: "hub-a", leaseTTL: 30))
    }

    @Test func badValuesAreReportedWithTheirKeyPaths() {
        let parsed = ConfigTestEngines.parse(
            """
            cluster:
              node_id: "hub a"
              lease_ttl: 500ms
              owner: me
            """
        )
        #expect(parsed.configuration == nil)
        #expect(Set(parsed.paths) == ["cluster.node_id", "cluster.lease_ttl", "cluster.owner"])
    }

    @Test func aNodeIDIsMadePerProcessUnlessConfigured() {
        #expect(ClusterNodeID.make(configured: "hub-a") == "hub-a")
        let made = ClusterNodeID.make()
        #expect(made.contains("-\(ProcessInfo.processInfo.processIdentifier)-"))
        #expect(made != ClusterNodeID.make(), "two hubs in one process are two nodes")
    }
}

/// Leases shared in memory pass every check a shared store must, so the Core tests that use
/// them stand for PostgreSQL's behaviour.
@Suite("Shared memory leases")
struct SharedMemoryLeasesTests {
    @Test(arguments: ClusterLeasesConformance.Check.cases(shared: true))
    func check(_ check: ClusterLeasesConformance.Check) async throws {
        try await ClusterLeasesConformance {
            let leases = SharedMemoryLeases()
            return (leases, leases)
        }
        .run(check)
    }
}
