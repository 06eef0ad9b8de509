import Foundation
import SwitchboardCore

/// What every `IdempotencyKeyLookup` must do, so a reply the hub sent is traced back to what
/// it answers (and so to who may read it) whichever store keeps it. Each check gets a fresh store.
package struct IdempotencyKeyLookupConformance: Sendable {
    /// The store the suite needs: one that accepts messages and finds their keys.
    package typealias Store = any OutboxStore & IdempotencyKeyLookup

    /// One check of the suite, so a runner can list, parameterise or pick them.
    package enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        case findsTheKeyAMessageWasAcceptedUnder, anotherScopeOrMessageFindsNothing, eachMessageOfABatchFindsItsOwnKey

        package var description: String { rawValue }
    }

    let makeStore: @Sendable () async throws -> Store

    /// `makeStore` must return a new, empty store on every call.
    package init(makeStore: @escaping @Sendable () async throws -> Store) {
        self.makeStore = makeStore
    }

    package func run(_ check: Check) async throws {
        switch check {
        case .findsTheKeyAMessageWasAcceptedUnder: try await findsTheKeyAMessageWasAcceptedUnder()
        case .anotherScopeOrMessageFindsNothing: try await anotherScopeOrMessageFindsNothing()
        case .eachMessageOfABatchFindsItsOwnKey: try await eachMessageOfABatchFindsItsOwnKey()
        }
    }

    package func runAll() async throws {
        for check in Check.allCases { try await run(check) }
    }

    static func keyed(_ text: String, scope: String, key: String) -> Submission {
        var submission = StoreFixture.submission(dueAt: [StoreFixture.t0], text: text)
        submission.idempotency = IdempotencyKey(scope: scope, key: key, fingerprint: "sha256:\(text)")
        return submission
    }

    func findsTheKeyAMessageWasAcceptedUnder() async throws {
        let store = try await makeStore()
        let reply = Self.keyed("thanks", scope: "connector:sms", key: "inbound:m-1:0")
        let other = Self.keyed("noted", scope: "connector:sms", key: "conversation:c-9:3")
        _ = try await store.accept(reply)
        _ = try await store.accept(other)
        let found = try await store.idempotencyKey(messageID: reply.message.id, scope: "connector:sms")
        try expectEqual(found, "inbound:m-1:0", "the key the reply was accepted under")
        let second = try await store.idempotencyKey(messageID: other.message.id, scope: "connector:sms")
        try expectEqual(second, "conversation:c-9:3", "each message its own key")
    }

    func anotherScopeOrMessageFindsNothing() async throws {
        let store = try await makeStore()
        let reply = Self.keyed("thanks", scope: "connector:sms", key: "inbound:m-1:0")
        _ = try await store.accept(reply)
        let plain = StoreFixture.submission(dueAt: [StoreFixture.t0], text: "no key")
        _ = try await store.accept(plain)
        try expectEqual(try await store.idempotencyKey(messageID: reply.message.id, scope: "alice"), nil, "another sender's scope finds nothing")
        try expectEqual(try await store.idempotencyKey(messageID: plain.message.id, scope: "connector:sms"), nil, "a message without a key has none")
        try expectEqual(try await store.idempotencyKey(messageID: "no-such-message", scope: "connector:sms"), nil, "an unknown message has none")
    }

    func eachMessageOfABatchFindsItsOwnKey() async throws {
        let store = try await makeStore()
        let batch = (0..<3).map { Self.keyed("part \($0)", scope: "connector:sms", key: "inbound:m-2:\($0)") }
        _ = try await store.accept(batch: batch)
        for (i, submission) in batch.enumerated() {
            let found = try await store.idempotencyKey(messageID: submission.message.id, scope: "connector:sms")
            try expectEqual(found, "inbound:m-2:\(i)", "message \(i) of the batch")
        }
    }
}

extension IdempotencyKeyLookupConformance: ConformanceAssertions {}
