import Foundation
import SwitchboardCore

// Replay keys of signed inbound requests (webhooks): a request is committed once.
extension InboundStoreConformance {
    /// A key commits its message once: the same key again is `conflict/replayed` and stores
    /// nothing, also when both arrive at once; another connector's key of the same value, and
    /// a key past its expiry, are new.
    package func replayKeysCommitOnce() async throws {
        let store = try await makeStore()
        let soon = Date().addingTimeInterval(300)
        let key = ReplayKey(connector: "hook", key: "sig:abc", expiresAt: soon)
        let first = StoreFixture.inbound("first")
        try await store.recordInbound(first, replayKey: key)
        let again = StoreFixture.inbound("first")
        try await expectError(.conflict, "replayed", "the same key again is refused") {
            try await store.recordInbound(again, replayKey: key)
        }
        try expectTrue(try await store.message(id: again.id) == nil, "a refused replay stores nothing")
        try expectTrue(try await store.message(id: first.id) != nil, "the first is kept")

        let elsewhere = StoreFixture.inbound("other connector")
        try await store.recordInbound(elsewhere, replayKey: ReplayKey(connector: "other", key: "sig:abc", expiresAt: soon))
        try expectTrue(try await store.message(id: elsewhere.id) != nil, "keys are per connector")

        let expired = ReplayKey(connector: "hook", key: "sig:old", expiresAt: Date().addingTimeInterval(-1))
        try await store.recordInbound(StoreFixture.inbound("old"), replayKey: expired)
        let late = StoreFixture.inbound("old, again")
        try await store.recordInbound(late, replayKey: expired)
        try expectTrue(try await store.message(id: late.id) != nil, "a key past its expiry is forgotten")

        let racing = ReplayKey(connector: "hook", key: "sig:race", expiresAt: soon)
        let stored = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<6 {
                group.addTask {
                    do {
                        try await store.recordInbound(StoreFixture.inbound("race \(i)"), replayKey: racing)
                        return true
                    } catch let error as SwitchboardError where error.kind == .conflict {
                        return false
                    }
                }
            }
            var n = 0
            for try await ok in group where ok { n += 1 }
            return n
        }
        try expectEqual(stored, 1, "six copies at once commit once")
    }
}
