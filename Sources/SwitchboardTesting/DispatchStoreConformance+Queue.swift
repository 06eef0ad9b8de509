import Foundation
import SwitchboardCore

// The operator's queue (`QueueStore`): listings, the age sweep, the dead-letter queue, hand-made
// status changes with their history, channel fallback, start-up claim release, receipts.
extension DispatchStoreConformance {
    /// Recipients waiting on queued, sending or held deliveries come most severe first, then
    /// oldest, with their counts; final deliveries do not count; `channel` narrows the list.
    package func pendingRecipientsAreMostUrgentFirst() async throws {
        let store = try await makeStore()
        let kari = Address.sms("+4741000001")
        let ola = Address.sms("+4741000002")
        let per = Address.sms("+4741000003")
        let mail = Address.email("ops@example.org")
        // A critical message for Kari, the oldest of all, already sent: not pending.
        let sent = try await QueueFixture.accept(store, .critical, to: [kari], at: -1000)
        _ = try await store.claimDue(limit: 10, now: StoreFixture.at(-1000), leaseUntil: StoreFixture.at(30))
        _ = try await store.finish(deliveryID: sent.deliveries[0].id, outcome: .sent(connector: "kannel", receiptID: nil), attempts: [])
        // Per: an old `info` and a newer `critical`; Kari: `warning` only but older than Ola's `warning`.
        _ = try await QueueFixture.accept(store, .info, to: [per], at: -500)
        _ = try await QueueFixture.accept(store, .warning, to: [kari], at: -400)
        _ = try await QueueFixture.accept(store, .warning, to: [ola], at: -300)
        _ = try await QueueFixture.accept(store, .critical, to: [per, mail], at: -200)
        _ = try await QueueFixture.accept(store, .error, to: [ola], at: -100, status: .held)
        // A critical message cancelled: not pending either.
        _ = try await QueueFixture.accept(store, .critical, to: [kari], at: -50, status: .cancelled)

        let all = try await store.pendingRecipients(channel: nil)
        try expectEqual(all.map(\.address), [per, mail, ola, kari], "most severe first, then the oldest")
        try expectEqual(all.map(\.highestSeverity), [.critical, .critical, .error, .warning], "each recipient's highest pending severity")
        try expectEqual(all.map(\.count), [2, 1, 2, 1], "held deliveries count; sent and cancelled ones do not")
        try expectEqual(all.map(\.channel), [.sms, .email, .sms, .sms], "each recipient's channel")
        try expectEqual(
            all.map(\.oldest.ms),
            [StoreFixture.at(-500).ms, StoreFixture.at(-200).ms, StoreFixture.at(-300).ms, StoreFixture.at(-400).ms],
            "the oldest pending delivery of each"
        )

        let sms = try await store.pendingRecipients(channel: .sms)
        try expectEqual(sms.map(\.address), [per, ola, kari], "a channel narrows the list")
        let im = try await store.pendingRecipients(channel: .im)
        try expectEqual(im, [], "a channel with nothing pending lists nobody")
    }

    /// One recipient's pending deliveries come with their messages, most severe first and
    /// oldest first within a severity; other recipients' and final deliveries are left out.
    package func pendingForOneAddressIsMostSevereFirst() async throws {
        let store = try await makeStore()
        let kari = Address.sms("+4741000001")
        let ola = Address.sms("+4741000002")
        let oldInfo = try await QueueFixture.accept(store, .info, to: [kari], at: -500)
        let oldWarning = try await QueueFixture.accept(store, .warning, to: [kari], at: -400)
        let critical = try await QueueFixture.accept(store, .critical, to: [kari, ola], at: -300)
        let newWarning = try await QueueFixture.accept(store, .warning, to: [kari], at: -200, status: .held)
        let debug = try await QueueFixture.accept(store, .debug, to: [kari], at: -100)
        _ = try await QueueFixture.accept(store, .critical, to: [kari], at: -50, status: .failed)

        let jobs = try await store.pending(address: kari)
        try expectEqual(
            jobs.map(\.message.id),
            [critical, oldWarning, newWarning, oldInfo, debug].map(\.message.id),
            "critical, then warnings oldest first, then info, then debug; the failed one is not pending"
        )
        try expectTrue(
            jobs.allSatisfy { $0.delivery.address == kari && $0.delivery.messageID == $0.message.id },
            "every job is this recipient's delivery with its own message"
        )
        try expectEqual(
            jobs.map(\.message.text),
            [critical, oldWarning, newWarning, oldInfo, debug].map(\.message.text),
            "jobs carry the message text"
        )
        try expectEqual(jobs[2].delivery.status, .held, "held deliveries are pending")
        try expectEqual(try await store.pending(address: ola).map(\.delivery.id), [critical.deliveries[1].id], "only Ola's own")
        try expectEqual(try await store.pending(address: .sms("+4741999999")), [], "a stranger has nothing pending")
    }

    /// Only queued and held deliveries older than the cut-off on the chosen channel move, each
    /// with the reason and actor recorded; deliveries that may not move are skipped; a cancel
    /// to a status that is not final is refused and moves nothing.
    package func cancelPendingCancelsOnlyOlderOnes() async throws {
        let store = try await makeStore()
        let kari = Address.sms("+4741000001")
        let mail = Address.email("ops@example.org")
        let sending = try await QueueFixture.accept(store, .info, to: [kari], at: -450)
        _ = try await store.claimDue(limit: 10, now: StoreFixture.at(-450), leaseUntil: StoreFixture.at(600))
        let old = try await QueueFixture.accept(store, .info, to: [kari, mail], at: -600)
        let oldHeld = try await QueueFixture.accept(store, .info, to: [kari], at: -500, status: .held)
        let young = try await QueueFixture.accept(store, .info, to: [kari], at: -100)

        for notFinal in DeliveryStatus.allCases where !notFinal.isFinal {
            try await expectError(.invalid, "invalid_status", "a cancel to \(notFinal.rawValue), not a final status, is refused") {
                try await store.cancelPending(createdBefore: StoreFixture.at(0), channel: nil, status: notFinal, reason: "x", by: "alice")
            }
        }
        let toFailed = try await expectNoError("a sweep skips rows that may not move instead of refusing them all") {
            try await store.cancelPending(createdBefore: StoreFixture.at(-300), channel: .sms, status: .failed, reason: "gave up", by: "alice")
        }
        try expectEqual(toFailed, 1, "to failed only the held one may move; old queued ones are skipped, not refused")
        try expectEqual(try await store.delivery(id: oldHeld.deliveries[0].id)?.status, .failed, "held moved to failed")
        try expectEqual(try await store.delivery(id: old.deliveries[0].id)?.status, .queued, "queued cannot move to failed")

        let smsOnly = try await store.cancelPending(
            createdBefore: StoreFixture.at(-300),
            channel: .sms,
            status: .cancelled,
            reason: "stale alarm",
            by: "cli:ops"
        )
        try expectEqual(smsOnly, 1, "one old queued SMS; the sending one is in flight and not pending cancellation")
        try expectEqual(try await store.delivery(id: old.deliveries[1].id)?.status, .queued, "the email is on another channel")
        try expectEqual(try await store.delivery(id: sending.deliveries[0].id)?.status, .sending, "a claimed delivery is left alone")
        try expectEqual(try await store.delivery(id: young.deliveries[0].id)?.status, .queued, "a young delivery is left alone")

        let cancelled = try unwrap(try await store.delivery(id: old.deliveries[0].id), "the cancelled delivery")
        try expectEqual(cancelled.status, .cancelled, "cancelled")
        try expectEqual(cancelled.nextAttemptAt, nil, "a cancelled delivery is never due")
        let changes = try await store.statusChanges(deliveryID: old.deliveries[0].id)
        try expectEqual(changes.map(\.from), [.queued], "the change is recorded from queued")
        try expectEqual(changes.map(\.to), [.cancelled], "to cancelled")
        try expectEqual(changes.map(\.reason), ["stale alarm"], "with its reason")
        try expectEqual(changes.map(\.actor), ["cli:ops"], "and who did it")
        try expectEqual(try await store.statusChanges(deliveryID: young.deliveries[0].id), [], "nothing recorded for a skipped one")

        let autocancel = try await store.cancelPending(
            createdBefore: StoreFixture.at(0),
            channel: nil,
            status: .ignored,
            reason: "older than 5m",
            by: "autocancel"
        )
        try expectEqual(autocancel, 2, "every channel: the old email and the young SMS")
        let ignored = try await store.statusChanges(deliveryID: old.deliveries[1].id)
        try expectEqual(ignored.map(\.actor), ["autocancel"], "the sweeper is the actor")
        try expectEqual(
            try await store.cancelPending(
                createdBefore: StoreFixture.at(0),
                channel: nil,
                status: .cancelled,
                reason: "again",
                by: "alice"
            ),
            0,
            "nothing is left to cancel"
        )
        let history = try await store.statusChanges(deliveryID: oldHeld.deliveries[0].id)
        try expectEqual(history.map(\.to), [.failed], "a final delivery is not cancelled again")
    }

    /// The dead-letter queue lists failed deliveries, most recently changed first, up to the limit.
    package func deadLettersAreNewestChangeFirst() async throws {
        let store = try await makeStore()
        let held = try await QueueFixture.accept(store, .info, to: (1...3).map { .sms("+474100000\($0)") }, at: -100, status: .held)
        let ids = held.deliveries.map(\.id)
        for (id, at) in zip(ids, [10.0, 30, 20]) {
            _ = try await store.setStatus(deliveryID: id, to: .failed, reason: "no route", by: "alice", now: StoreFixture.at(at))
        }
        _ = try await QueueFixture.accept(store, .info, to: [.sms("+4741000009")], at: -50)

        let all = try await store.deliveries(status: .failed, limit: 10)
        try expectEqual(all.map(\.id), [ids[1], ids[2], ids[0]], "newest change first")
        let two = try await store.deliveries(status: .failed, limit: 2)
        try expectEqual(two.map(\.id), [ids[1], ids[2]], "the limit keeps the newest")
        try expectEqual(try await store.deliveries(status: .queued, limit: 10).count, 1, "other statuses list separately")
        try expectEqual(try await store.deliveries(status: .held, limit: 10), [], "no held deliveries are left")
    }

    /// Requeued deliveries are queued with no attempts, due now and claimable at once; only
    /// those in the given status (and among the given ids) move, each change recorded.
    package func requeueResetsAttemptsAndMakesThemClaimable() async throws {
        let store = try await makeStore()
        let submission = try await QueueFixture.accept(store, .info, to: (1...3).map { .sms("+474100000\($0)") }, at: -100)
        let ids = submission.deliveries.map(\.id)
        _ = try await store.claimDue(limit: 10, now: StoreFixture.at(-100), leaseUntil: StoreFixture.at(600))
        for id in ids {
            let attempt = DeliveryAttempt(deliveryID: id, number: 1, at: StoreFixture.at(-99), connector: "kannel", outcome: .permanent, error: "x")
            _ = try await store.finish(deliveryID: id, outcome: .failed(connector: "kannel", error: "x"), attempts: [attempt])
        }
        let held = try await QueueFixture.accept(store, .info, to: [.sms("+4741000004")], at: -90, status: .held)
        let now = StoreFixture.at(60)

        let some = try await store.requeue(
            ids: [ids[0], held.deliveries[0].id, "no-such-delivery"],
            status: .failed,
            reason: "gateway fixed",
            by: "alice",
            now: now
        )
        try expectEqual(some, 1, "only the listed failed delivery moves; a held one and an unknown id are skipped")
        let requeued = try unwrap(try await store.delivery(id: ids[0]), "the requeued delivery")
        try expectEqual(requeued.status, .queued, "requeued")
        try expectEqual(requeued.attempts, 0, "its attempt count is reset")
        try expectEqual(requeued.nextAttemptAt?.ms, now.ms, "it is due now")
        try expectEqual(try await store.delivery(id: ids[1])?.status, .failed, "an unlisted one stays failed")
        let change = try await store.statusChanges(deliveryID: ids[0])
        try expectEqual(change.map(\.from), [.failed], "the change is recorded from failed")
        try expectEqual(change.map(\.to), [.queued], "to queued")
        try expectEqual(change.map(\.reason), ["gateway fixed"], "with its reason")
        try expectEqual(change.map(\.actor), ["alice"], "and its actor")
        try expectEqual(change.map(\.at.ms), [now.ms], "at the time given")

        let rest = try await store.requeue(ids: nil, status: .failed, reason: "all", by: "alice", now: now)
        try expectEqual(rest, 2, "without ids every failed delivery moves")
        let claimed = try await store.claimDue(limit: 10, now: now, leaseUntil: StoreFixture.at(120))
        try expectEqual(Set(claimed.map(\.delivery.id)), Set(ids), "requeued deliveries are claimable at once")
        try expectEqual(try await store.requeue(ids: nil, status: .held, reason: "route added", by: "bob", now: now), 1, "held ones too")
        try expectEqual(try await store.delivery(id: held.deliveries[0].id)?.attempts, 0, "a held one is queued with no attempts")
        try expectEqual(try await store.requeue(ids: [], status: .failed, reason: "none", by: "bob", now: now), 0, "an empty list moves nothing")
    }

    /// A hand-made change returns the delivery as stored and keeps reason, actor and time; an
    /// illegal one is `conflict/illegal_transition` and changes and records nothing.
    package func setStatusRecordsReasonAndRefusesIllegalMoves() async throws {
        let store = try await makeStore()
        let submission = try await QueueFixture.accept(store, .warning, to: [.sms("+4741000001")], at: -100)
        let id = submission.deliveries[0].id

        let cancelled = try await store.setStatus(deliveryID: id, to: .cancelled, reason: "duplicate alarm", by: "alice", now: StoreFixture.at(5))
        try expectEqual(cancelled.status, .cancelled, "the delivery is cancelled")
        try expectEqual(cancelled.nextAttemptAt, nil, "and not due")
        try expectEqual(try await store.delivery(id: id)?.ms, cancelled.ms, "setStatus returns what it stored")

        try await expectError(.conflict, "illegal_transition", "a cancelled delivery cannot be queued again") {
            try await store.setStatus(deliveryID: id, to: .queued, reason: "oops", by: "bob", now: StoreFixture.at(6))
        }
        try await expectError(.notFound, "unknown_delivery", "an unknown delivery is notFound") {
            try await store.setStatus(deliveryID: "no-such-delivery", to: .cancelled, reason: "x", by: "bob", now: StoreFixture.at(7))
        }
        try expectEqual(try await store.delivery(id: id)?.status, .cancelled, "a refused change changes nothing")
        let changes = try await store.statusChanges(deliveryID: id)
        try expectEqual(changes.count, 1, "a refused change records nothing")
        let change = try unwrap(changes.first, "the recorded change")
        try expectEqual(change.deliveryID, id, "the change names its delivery")
        try expectEqual(change.from, .queued, "from queued")
        try expectEqual(change.to, .cancelled, "to cancelled")
        try expectEqual(change.reason, "duplicate alarm", "the reason is kept")
        try expectEqual(change.actor, "alice", "the actor is kept")
        try expectEqual(change.at.ms, StoreFixture.at(5).ms, "the time is kept")
        try expectEqual(try await store.statusChanges(deliveryID: "no-such-delivery"), [], "an unknown delivery has no history")
    }

    /// Deliveries added to a message (channel fallback) show in `message(id:)` after the first
    /// ones and are claimable; adding to an unknown message is `notFound`.
    package func addDeliveriesAppearInTheMessage() async throws {
        let store = try await makeStore()
        let submission = try await QueueFixture.accept(store, .error, to: [.sms("+4741000001")], at: -100)
        let message = submission.message
        let fallback = [
            Delivery(
                messageID: message.id,
                address: .email("kari@example.org"),
                channel: .email,
                nextAttemptAt: StoreFixture.t0,
                createdAt: StoreFixture.t0
            ),
            Delivery(
                messageID: message.id,
                address: .xmpp("kari@example.org"),
                channel: .im,
                nextAttemptAt: StoreFixture.t0,
                createdAt: StoreFixture.t0
            ),
        ]
        try await store.addDeliveries(fallback)
        let record = try unwrap(try await store.message(id: message.id), "the message")
        try expectEqual(record.deliveries.map(\.ms), (submission.deliveries + fallback).map(\.ms), "added deliveries follow the first ones")
        let claimed = try await store.claimDue(limit: 10, now: StoreFixture.t0, leaseUntil: StoreFixture.at(30))
        try expectEqual(Set(claimed.map(\.delivery.id)), Set(record.deliveries.map(\.id)), "added deliveries are claimable")

        let orphan = Delivery(messageID: "no-such-message", address: .sms("+4741000002"), channel: .sms, createdAt: StoreFixture.t0)
        try await expectError(.notFound, nil, "a delivery for an unknown message is refused") { try await store.addDeliveries([orphan]) }
        try expectEqual(try await store.delivery(id: orphan.id), nil, "and nothing is stored")
    }

    /// On start-up every `sending` delivery belongs to a dead process: releasing them makes
    /// them claimable at once, whatever their lease said; other deliveries are untouched.
    package func releaseClaimsMakesLeasedDeliveriesClaimable() async throws {
        let store = try await makeStore()
        let leased = try await QueueFixture.accept(store, .info, to: [.sms("+4741000001"), .sms("+4741000002")], at: -100)
        _ = try await store.claimDue(limit: 10, now: StoreFixture.at(-100), leaseUntil: StoreFixture.at(3600))
        let later = try await QueueFixture.accept(store, .info, to: [.sms("+4741000003")], at: 500)
        try expectEqual(
            try await store.claimDue(limit: 10, now: StoreFixture.t0, leaseUntil: StoreFixture.at(30)),
            [],
            "leased deliveries are not claimable before the release"
        )

        let released = try await store.releaseClaims(now: StoreFixture.t0)
        try expectEqual(released, 2, "both claims are released")
        let delivery = try unwrap(try await store.delivery(id: leased.deliveries[0].id), "a released delivery")
        try expectEqual(delivery.status, .queued, "a released delivery is queued")
        try expectEqual(delivery.nextAttemptAt?.ms, StoreFixture.t0.ms, "and due now")
        try expectEqual(try await store.nextDue()?.ms, StoreFixture.t0.ms, "the dispatcher sees it due now")
        let claimed = try await store.claimDue(limit: 10, now: StoreFixture.t0, leaseUntil: StoreFixture.at(30))
        try expectEqual(Set(claimed.map(\.delivery.id)), Set(leased.deliveries.map(\.id)), "released deliveries are claimable at once")
        try expectEqual(
            try await store.delivery(id: later.deliveries[0].id)?.nextAttemptAt?.ms,
            StoreFixture.at(500).ms,
            "a queued delivery keeps its time"
        )
        try expectEqual(try await store.releaseClaims(now: StoreFixture.at(1)), 2, "the new claims are released too")
        try expectEqual(try await store.releaseClaims(now: StoreFixture.at(2)), 0, "nothing is left to release")
    }

    /// A delivery report finds its delivery by connector and receipt id; the same receipt id
    /// from another connector is another delivery (or none).
    package func receiptLookupFindsTheDelivery() async throws {
        let store = try await makeStore()
        let submission = try await QueueFixture.accept(store, .info, to: [.sms("+4741000001"), .sms("+4741000002")], at: -100)
        let (one, two) = (submission.deliveries[0].id, submission.deliveries[1].id)
        _ = try await store.claimDue(limit: 10, now: StoreFixture.at(-100), leaseUntil: StoreFixture.at(30))
        _ = try await store.finish(deliveryID: one, outcome: .sent(connector: "kannel", receiptID: "r-1"), attempts: [])
        _ = try await store.finish(deliveryID: two, outcome: .sent(connector: "modem", receiptID: "r-1"), attempts: [])

        let found = try unwrap(try await store.delivery(connector: "kannel", receiptID: "r-1"), "kannel's receipt r-1")
        try expectEqual(found.id, one, "kannel's r-1 is the first delivery")
        try expectEqual(try await store.delivery(connector: "modem", receiptID: "r-1")?.id, two, "the modem's r-1 is the second")
        try expectEqual(try await store.delivery(connector: "kannel", receiptID: "r-2"), nil, "an unknown receipt finds nothing")
        try expectEqual(try await store.delivery(connector: "smtp", receiptID: "r-1"), nil, "another connector's receipt finds nothing")
        try expectEqual(try await store.delivery(id: one)?.ms, found.ms, "by id the same delivery")
        try expectEqual(try await store.delivery(id: "no-such-delivery"), nil, "an unknown id finds nothing")
    }
}

/// Messages for the queue checks: one severity, one time, any recipients.
enum QueueFixture {
    /// Accepts a message of `severity` created `seconds` after `t0`, with a delivery per address
    /// in `status` (queued ones due at creation).
    static func accept(
        _ store: any DispatchStore,
        _ severity: Severity,
        to addresses: [Address],
        at seconds: TimeInterval,
        status: DeliveryStatus = .queued
    ) async throws -> Submission {
        let created = StoreFixture.at(seconds)
        let message = Message(text: "\(severity.rawValue) alarm at \(Int(seconds))", severity: severity, sender: "alice", createdAt: created)
        let deliveries = addresses.map {
            Delivery(messageID: message.id, address: $0, channel: $0.channel ?? .sms, status: status, createdAt: created)
        }
        let submission = Submission(message: message, deliveries: deliveries)
        _ = try await store.accept(submission)
        return submission
    }
}
