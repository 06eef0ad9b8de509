import Foundation

/// One party's connection: the key conversations are serialised by.
package struct PartyKey: Hashable, Sendable {
    package var connector: String
    package var address: Address
    package init(connector: String, address: Address) {
        self.connector = connector
        self.address = address
    }
}

/// A first-in, first-out lock per connection, so one party's messages are handled one at a
/// time and in the order they reached the engine, even when two gateway callbacks arrive at
/// once; different parties never wait for each other.
///
/// It holds state only for connections in use: a key with nobody holding or waiting is
/// removed. Across processes (two hubs on one database) the store's revision check does
/// the same job: a turn computed from an older state is refused and done again.
package actor ConnectionLocks {
    /// Present while held; the waiters in arrival order.
    private var queues: [PartyKey: [CheckedContinuation<Void, Never>]] = [:]

    package init() {}

    /// Runs `body` while holding `key`'s lock.
    package func withLock<T: Sendable>(_ key: PartyKey, _ body: @Sendable () async throws -> T) async throws -> T {
        await acquire(key)
        defer { release(key) }
        return try await body()
    }

    private func acquire(_ key: PartyKey) async {
        guard queues[key] != nil else {
            queues[key] = []
            return
        }
        await withCheckedContinuation { queues[key, default: []].append($0) }
    }

    private func release(_ key: PartyKey) {
        guard var waiting = queues[key], !waiting.isEmpty else {
            queues[key] = nil
            return
        }
        let next = waiting.removeFirst()
        queues[key] = waiting
        next.resume()
    }

    /// How many connections are held (for tests: none left behind).
    package var heldCount: Int { queues.count }

    /// How many wait for `key` (for tests: a second message has arrived behind the first).
    package func waiting(_ key: PartyKey) -> Int { queues[key]?.count ?? 0 }
}
