import Foundation
import SwitchboardCore

// Accepting messages: the round trip and idempotency.
extension DispatchStoreConformance {
    /// A message with attachments, its deliveries and warnings read back exactly as accepted.
    package func acceptRoundTrip() async throws {
        let store = try await makeStore()
        let message = StoreFixture.outbound(attachments: 2)
        let deliveries = [
            StoreFixture.sms(message, due: StoreFixture.at(-5)),
            Delivery(
                messageID: message.id,
                address: .email("ops@example.org"),
                channel: .email,
                nextAttemptAt: StoreFixture.at(10),
                pinnedConnector: "smtp-main",
                createdAt: StoreFixture.t0
            ),
            Delivery(
                messageID: message.id,
                address: .xmpp("bob@example.org"),
                channel: .im,
                status: .held,
                lastError: "no connector serves channel im",
                createdAt: StoreFixture.t0
            ),
        ]
        let submission = Submission(
            message: message,
            deliveries: deliveries,
            warnings: ["group 'night' is empty", "contact Bob has no email"]
        )
        let expected = MessageRecord(message: message, deliveries: deliveries, warnings: submission.warnings).ms

        let acceptance = try await store.accept(submission)
        try expectEqual(acceptance.replayed, false, "a first accept is not a replay")
        try expectEqual(acceptance.record.ms, expected, "accept returns the record it committed")
        let stored = try await unwrap(store.message(id: message.id), "message(id:) finds the accepted message")
        try expectEqual(stored.ms, expected, "message(id:) returns message, attachments, deliveries and warnings")
        try expectEqual(stored.message.attachments.map(\.data), message.attachments.map(\.data), "attachment bytes survive")

        // Nil optionals, no attachments, no deliveries and no warnings stay nil and empty.
        let bare = Message(text: "", severity: .debug, sender: nil, createdAt: StoreFixture.at(1))
        _ = try await store.accept(Submission(message: bare, deliveries: []))
        let bareStored = try await unwrap(store.message(id: bare.id), "message(id:) finds a bare message")
        try expectEqual(bareStored.ms, MessageRecord(message: bare, deliveries: [], warnings: []).ms, "a bare message round-trips")

        let missing = try await store.message(id: "no-such-message")
        try expectTrue(missing == nil, "message(id:) returns nil for an unknown id")
    }

    /// A batch commits every submission or none; a retried batch with the same keys replays.
    package func acceptBatchIsAllOrNone() async throws {
        let store = try await makeStore()
        let existing = StoreFixture.submission(dueAt: [StoreFixture.t0], text: "already here")
        _ = try await store.accept(existing)

        let fresh = (0..<2).map { i in StoreFixture.submission(dueAt: [StoreFixture.t0], text: "batch \(i)") }
        var clash = StoreFixture.submission(dueAt: [StoreFixture.t0], text: "same id as one committed")
        clash.message.id = existing.message.id
        for i in clash.deliveries.indices { clash.deliveries[i].messageID = existing.message.id }
        do {
            _ = try await store.accept(batch: fresh + [clash])
            throw ConformanceFailure(
                check: #function,
                message: "a batch with a message id already used must be refused",
                file: #filePath,
                line: #line
            )
        } catch let error as SwitchboardError {
            try expectEqual(error.kind, .conflict, "a used message id in a batch is a conflict")
        }
        for submission in fresh {
            let stored = try await store.message(id: submission.message.id)
            try expectTrue(stored == nil, "a refused batch commits none of its messages")
        }

        var keyed = fresh
        for i in keyed.indices { keyed[i].idempotency = IdempotencyKey(scope: "alice", key: "batch-1#\(i)", fingerprint: "f\(i)") }
        let accepted = try await store.accept(batch: keyed)
        try expectEqual(accepted.map(\.replayed), [false, false], "a first batch is not a replay")
        try expectEqual(accepted.map(\.record.message.id), keyed.map(\.message.id), "one acceptance per submission, in order")
        let claimed = try await store.claimDue(limit: 100, now: StoreFixture.t0, leaseUntil: StoreFixture.at(30))
        try expectEqual(
            Set(claimed.map(\.delivery.messageID)),
            Set(keyed.map(\.message.id) + [existing.message.id]),
            "every delivery of the batch is due"
        )

        var retry = (0..<2).map { i in StoreFixture.submission(dueAt: [StoreFixture.t0], text: "batch \(i)") }
        for i in retry.indices { retry[i].idempotency = keyed[i].idempotency }
        let replayed = try await store.accept(batch: retry)
        try expectEqual(replayed.map(\.replayed), [true, true], "the same keys replay")
        try expectEqual(replayed.map(\.record.message.id), keyed.map(\.message.id), "a replay returns the first ids")
        try expectTrue(try await store.message(id: retry[0].message.id) == nil, "a replayed batch stores nothing new")
    }

    /// A batch reads back exactly as accepted (nil optionals, attachments, warnings, an
    /// origin, several deliveries per message), and its due deliveries are claimed in the
    /// order they were submitted, as if each message had been accepted on its own.
    package func acceptBatchRoundTrip() async throws {
        let store = try await makeStore()
        let rich = StoreFixture.outbound(attachments: 2)
        let richDeliveries = [
            StoreFixture.sms(rich, 1, due: StoreFixture.t0),
            Delivery(
                messageID: rich.id,
                address: .email("ops@example.org"),
                channel: .email,
                nextAttemptAt: StoreFixture.t0,
                pinnedConnector: "smtp-main",
                createdAt: StoreFixture.t0
            ),
            Delivery(
                messageID: rich.id,
                address: .xmpp("bob@example.org"),
                channel: .im,
                status: .held,
                lastError: "no connector serves channel im",
                createdAt: StoreFixture.t0
            ),
            StoreFixture.sms(rich, 2, due: StoreFixture.t0),
        ]
        var reply = StoreFixture.outbound("a reply", sender: nil, at: StoreFixture.at(2))
        reply.origin = Origin(connector: "kannel", from: .sms("+4712345678"), to: nil)
        let batch = [
            Submission(message: rich, deliveries: richDeliveries, warnings: ["group 'night' is empty", "contact Bob has no email"]),
            Submission(message: Message(text: "", severity: .debug, sender: nil, createdAt: StoreFixture.at(1)), deliveries: []),
            Submission(message: reply, deliveries: [StoreFixture.sms(reply, 3, due: StoreFixture.t0)]),
            StoreFixture.submission(dueAt: [StoreFixture.t0, StoreFixture.t0], text: "the last one"),
        ]
        let expected = batch.map { MessageRecord(message: $0.message, deliveries: $0.deliveries, warnings: $0.warnings).ms }

        let accepted = try await store.accept(batch: batch)
        try expectEqual(accepted.map(\.replayed), [false, false, false, false], "a first batch is not a replay")
        try expectEqual(accepted.map(\.record.ms), expected, "accept(batch:) returns the records it committed, in order")
        for (submission, record) in zip(batch, expected) {
            let stored = try await unwrap(store.message(id: submission.message.id), "message(id:) finds every message of a batch")
            try expectEqual(stored.ms, record, "a batch's messages, attachments, deliveries and warnings read back as accepted")
            try expectEqual(
                stored.message.attachments.map(\.data),
                submission.message.attachments.map(\.data),
                "attachment bytes survive a batch"
            )
        }

        let sms = batch.flatMap(\.deliveries).filter { $0.channel == .sms }.map(\.id)
        let claimed = try await store.claimDue(limit: 100, now: StoreFixture.t0, leaseUntil: StoreFixture.at(30))
        try expectEqual(
            claimed.map(\.delivery.id).filter(sms.contains),
            sms,
            "a batch's deliveries due at one time are claimed in the order they were submitted"
        )
    }

    /// The same key and fingerprint replays the first record and commits nothing new.
    package func idempotentReplay() async throws {
        let store = try await makeStore()
        let key = IdempotencyKey(scope: "alice", key: "req-1", fingerprint: "sha256:aaaa")
        var first = StoreFixture.submission(dueAt: [StoreFixture.t0, StoreFixture.t0], text: "deploy done")
        first.idempotency = key
        let original = try await store.accept(first)
        try expectEqual(original.replayed, false, "the first request is not a replay")

        // A retried HTTP request mints new ids for the same content.
        var retry = StoreFixture.submission(dueAt: [StoreFixture.t0, StoreFixture.t0], text: "deploy done")
        retry.idempotency = key
        let replay = try await store.accept(retry)
        try expectEqual(replay.replayed, true, "the same key and fingerprint is a replay")
        try expectEqual(replay.record.message.id, first.message.id, "a replay returns the first message id")
        try expectEqual(replay.record.deliveries.map(\.id), first.deliveries.map(\.id), "a replay returns the first delivery ids")
        try expectEqual(replay.record.ms, original.record.ms, "a replay returns the first record")
        let retried = try await store.message(id: retry.message.id)
        try expectTrue(retried == nil, "a replay stores no second message")

        let claimed = try await store.claimDue(limit: 100, now: StoreFixture.at(3600), leaseUntil: StoreFixture.at(7200))
        try expectEqual(
            Set(claimed.map(\.delivery.id)),
            Set(first.deliveries.map(\.id)),
            "a replay adds no deliveries to the outbox"
        )

        // Keys are per scope: bob may use the same key for his own request.
        var bobs = StoreFixture.submission(dueAt: [StoreFixture.t0], text: "deploy done")
        bobs.idempotency = IdempotencyKey(scope: "bob", key: "req-1", fingerprint: "sha256:bbbb")
        let bobAcceptance = try await store.accept(bobs)
        try expectEqual(bobAcceptance.replayed, false, "the same key in another scope is a new request")
        try expectEqual(bobAcceptance.record.message.id, bobs.message.id, "the other scope's message is stored")
    }

    /// Reusing a key for a different request is refused and stores nothing.
    package func idempotencyKeyReuseConflicts() async throws {
        let store = try await makeStore()
        var first = StoreFixture.submission(dueAt: [StoreFixture.t0], text: "first")
        first.idempotency = IdempotencyKey(scope: "alice", key: "req-7", fingerprint: "sha256:1111")
        let original = try await store.accept(first)

        var other = StoreFixture.submission(dueAt: [StoreFixture.t0], text: "something else")
        other.idempotency = IdempotencyKey(scope: "alice", key: "req-7", fingerprint: "sha256:2222")
        try await expectError(.conflict, "idempotency_key_reused", "a reused key with another fingerprint is refused") {
            try await store.accept(other)
        }
        let stored = try await store.message(id: other.message.id)
        try expectTrue(stored == nil, "the refused request stored no message")
        let kept = try await unwrap(store.message(id: first.message.id), "the first message is still there")
        try expectEqual(kept.ms, original.record.ms, "the first record is unchanged")
    }

    /// A client retrying in parallel with one key gets one message: one accept commits, the
    /// others replay it, and none fails.
    package func concurrentRetriesWithOneKeyStoreOnce() async throws {
        let store = try await makeStore()
        let key = IdempotencyKey(scope: "alice", key: "burst", fingerprint: "sha256:cccc")
        let acceptances = try await withThrowingTaskGroup(of: Acceptance.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var submission = StoreFixture.submission(dueAt: [StoreFixture.t0], text: "burst")
                    submission.idempotency = key
                    return try await store.accept(submission)
                }
            }
            var acceptances: [Acceptance] = []
            for try await acceptance in group { acceptances.append(acceptance) }
            return acceptances
        }
        try expectEqual(acceptances.filter { !$0.replayed }.count, 1, "exactly one accept commits")
        try expectEqual(Set(acceptances.map(\.record.message.id)).count, 1, "every retry gets the same message")
        let claimed = try await store.claimDue(limit: 100, now: StoreFixture.at(60), leaseUntil: StoreFixture.at(120))
        try expectEqual(claimed.count, 1, "one delivery reached the outbox")
    }
}
