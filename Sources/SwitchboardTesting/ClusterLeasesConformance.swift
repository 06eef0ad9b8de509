import Foundation
import SwitchboardCore

/// What every `ClusterLeases` must do. The first checks hold for every store, a single node
/// included; the `shared` ones only for a store several nodes share (PostgreSQL), where a
/// lease has one holder at a time. `makeNodes` returns two handles on one new, empty store
/// (two nodes; a single-node store may return the same object twice).
package struct ClusterLeasesConformance: Sendable, ConformanceAssertions {
    package enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        case aFreeLeaseIsTaken, renewingMovesTheExpiryOn, releaseFreesTheLease, releaseByAnotherNodeChangesNothing
        case leasesAreIndependentByName, expiryIsTheStoresClock
        case aHeldLeaseIsRefusedAndNamesItsHolder, aReleasedLeaseIsTakenAtOnce, aRunOutLeaseIsTakenOver, racingNodesGetOneHolder

        package var description: String { rawValue }

        /// Checks that only a store shared by several nodes passes.
        package var needsSharedStore: Bool {
            switch self {
            case .aHeldLeaseIsRefusedAndNamesItsHolder, .aReleasedLeaseIsTakenAtOnce, .aRunOutLeaseIsTakenOver, .racingNodesGetOneHolder: true
            default: false
            }
        }

        /// The checks for a store: all of them when it is shared, else the single-node ones.
        package static func cases(shared: Bool) -> [Check] { allCases.filter { shared || !$0.needsSharedStore } }
    }

    let makeNodes: @Sendable () async throws -> (any ClusterLeases, any ClusterLeases)

    package init(makeNodes: @escaping @Sendable () async throws -> (any ClusterLeases, any ClusterLeases)) {
        self.makeNodes = makeNodes
    }

    package func run(_ check: Check) async throws {
        switch check {
        case .aFreeLeaseIsTaken: try await aFreeLeaseIsTaken()
        case .renewingMovesTheExpiryOn: try await renewingMovesTheExpiryOn()
        case .releaseFreesTheLease: try await releaseFreesTheLease()
        case .releaseByAnotherNodeChangesNothing: try await releaseByAnotherNodeChangesNothing()
        case .leasesAreIndependentByName: try await leasesAreIndependentByName()
        case .expiryIsTheStoresClock: try await expiryIsTheStoresClock()
        case .aHeldLeaseIsRefusedAndNamesItsHolder: try await aHeldLeaseIsRefusedAndNamesItsHolder()
        case .aReleasedLeaseIsTakenAtOnce: try await aReleasedLeaseIsTakenAtOnce()
        case .aRunOutLeaseIsTakenOver: try await aRunOutLeaseIsTakenOver()
        case .racingNodesGetOneHolder: try await racingNodesGetOneHolder()
        }
    }

    func aFreeLeaseIsTaken() async throws {
        let (a, _) = try await makeNodes()
        let none = try await a.leaseHolder("sweeper")
        try expectTrue(none == nil, "a lease never taken has no holder")
        let lease = try await a.acquireLease("sweeper", node: "node-a", ttl: 30)
        try expectTrue(lease.name == "sweeper" && lease.isHeld(by: "node-a"), "acquire gives the caller the lease, got \(lease)")
        let holder = try await a.leaseHolder("sweeper")
        try expectTrue(holder?.holder == "node-a", "the holder is the node that took it, got \(String(describing: holder))")
    }

    func renewingMovesTheExpiryOn() async throws {
        let (a, _) = try await makeNodes()
        let first = try await a.acquireLease("sweeper", node: "node-a", ttl: 5)
        let renewed = try await a.acquireLease("sweeper", node: "node-a", ttl: 60)
        try expectTrue(renewed.isHeld(by: "node-a"), "the holder renews its own lease, got \(renewed)")
        try expectTrue(
            renewed.expiresAt > first.expiresAt.addingTimeInterval(50),
            "a renewal runs from now for the new time-to-live: \(first.expiresAt) then \(renewed.expiresAt)"
        )
    }

    func releaseFreesTheLease() async throws {
        let (a, _) = try await makeNodes()
        _ = try await a.acquireLease("sweeper", node: "node-a", ttl: 30)
        try await a.releaseLease("sweeper", node: "node-a")
        let holder = try await a.leaseHolder("sweeper")
        try expectTrue(holder == nil, "a released lease has no holder")
    }

    func releaseByAnotherNodeChangesNothing() async throws {
        let (a, b) = try await makeNodes()
        _ = try await a.acquireLease("sweeper", node: "node-a", ttl: 30)
        try await b.releaseLease("sweeper", node: "node-b")
        let holder = try await a.leaseHolder("sweeper")
        try expectTrue(holder?.holder == "node-a", "only the holder can release, got \(String(describing: holder))")
    }

    func leasesAreIndependentByName() async throws {
        let (a, b) = try await makeNodes()
        _ = try await a.acquireLease("connector:xmpp", node: "node-a", ttl: 30)
        let other = try await b.acquireLease("connector:modem", node: "node-b", ttl: 30)
        try expectTrue(other.isHeld(by: "node-b"), "another name is another lease, got \(other)")
        let first = try await a.leaseHolder("connector:xmpp")
        try expectTrue(first?.holder == "node-a", "taking one lease leaves another alone")
    }

    func expiryIsTheStoresClock() async throws {
        let (a, _) = try await makeNodes()
        let before = Date()
        let lease = try await a.acquireLease("sweeper", node: "node-a", ttl: 30)
        let after = Date()
        // The store's clock is the test machine's within a few seconds (one machine).
        try expectTrue(
            lease.expiresAt >= before.addingTimeInterval(25) && lease.expiresAt <= after.addingTimeInterval(35),
            "the lease runs out a time-to-live after it was taken: \(lease.expiresAt), taken between \(before) and \(after)"
        )
    }

    func aHeldLeaseIsRefusedAndNamesItsHolder() async throws {
        let (a, b) = try await makeNodes()
        let held = try await a.acquireLease("sweeper", node: "node-a", ttl: 30)
        let refused = try await b.acquireLease("sweeper", node: "node-b", ttl: 30)
        try expectTrue(refused == held, "a held lease stays its holder's, unchanged: \(refused) against \(held)")
        let seen = try await b.leaseHolder("sweeper")
        try expectTrue(seen?.holder == "node-a", "both nodes see one holder")
    }

    func aReleasedLeaseIsTakenAtOnce() async throws {
        let (a, b) = try await makeNodes()
        _ = try await a.acquireLease("sweeper", node: "node-a", ttl: 30)
        try await a.releaseLease("sweeper", node: "node-a")
        let taken = try await b.acquireLease("sweeper", node: "node-b", ttl: 30)
        try expectTrue(taken.isHeld(by: "node-b"), "a released lease is free for another node, got \(taken)")
    }

    func aRunOutLeaseIsTakenOver() async throws {
        let (a, b) = try await makeNodes()
        let dead = try await a.acquireLease("sweeper", node: "node-a", ttl: 2)
        // B's first try usually comes before the end and is refused. On a loaded machine it may
        // come after it (no fixed time-to-live guarantees otherwise); then the store's clock shows
        // that B's lease began no earlier than A's ended. Either way a store that grants a lease
        // still held fails here (and `aHeldLeaseIsRefusedAndNamesItsHolder` checks refusal alone).
        let first = try await b.acquireLease("sweeper", node: "node-b", ttl: 30)
        if first.isHeld(by: "node-b") {
            let began = first.expiresAt.addingTimeInterval(-30)
            try expectTrue(began >= dead.expiresAt, "B got the lease at \(began), before A's ran out at \(dead.expiresAt)")
        } else {
            try expectTrue(first.isHeld(by: "node-a"), "before it runs out the lease is still the holder's, got \(first)")
        }
        // Wait on the store's own clock: poll until the lease is free (bounded).
        let deadline = Date().addingTimeInterval(20)
        var taken = first
        while !taken.isHeld(by: "node-b") && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            taken = try await b.acquireLease("sweeper", node: "node-b", ttl: 30)
        }
        try expectTrue(taken.isHeld(by: "node-b"), "a lease that ran out is taken by another node, got \(taken)")
        try expectTrue(taken.expiresAt > dead.expiresAt, "the new holder's lease runs from when it took it")
        let late = try await a.acquireLease("sweeper", node: "node-a", ttl: 30)
        try expectTrue(late.isHeld(by: "node-b"), "the old holder cannot renew what it lost, got \(late)")
    }

    func racingNodesGetOneHolder() async throws {
        let (a, b) = try await makeNodes()
        let leases = try await withThrowingTaskGroup(of: ClusterLease.self) { group in
            for i in 0..<8 {
                let store = i.isMultiple(of: 2) ? a : b
                group.addTask { try await store.acquireLease("sweeper", node: "node-\(i)", ttl: 30) }
            }
            return try await group.reduce(into: [ClusterLease]()) { $0.append($1) }
        }
        let holders = Set(leases.map(\.holder))
        try expectTrue(holders.count == 1, "eight nodes racing for one lease agree on one holder, got \(holders.sorted())")
        let kept = try await a.leaseHolder("sweeper")
        try expectTrue(kept?.holder == holders.first, "the store keeps the winner")
    }
}
