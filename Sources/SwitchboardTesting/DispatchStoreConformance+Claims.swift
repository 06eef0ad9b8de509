import Foundation
import SwitchboardCore

// The dispatcher's side of the outbox: claims, leases and their expiry, and concurrency.
extension DispatchStoreConformance {
    /// Only queued deliveries whose time has come are claimed, oldest first, up to the limit.
    package func claimDueReturnsOnlyDueDeliveries() async throws {
        let store = try await makeStore()
        let older = StoreFixture.submission(dueAt: [StoreFixture.at(-120)], text: "older")
        let message = StoreFixture.outbound(attachments: 1)
        let past = StoreFixture.sms(message, 1_000_001, due: StoreFixture.at(-60))
        let now = StoreFixture.sms(message, 1_000_002, due: StoreFixture.t0)
        let future = StoreFixture.sms(message, 1_000_003, due: StoreFixture.at(60))
        let held = Delivery(
            messageID: message.id,
            address: .sms("+4710000004"),
            channel: .sms,
            status: .held,
            lastError: "no route",
            createdAt: StoreFixture.t0
        )
        _ = try await store.accept(Submission(message: message, deliveries: [now, future, held, past]))
        _ = try await store.accept(older)

        let first = try await store.claimDue(limit: 1, now: StoreFixture.t0, leaseUntil: StoreFixture.at(30))
        try expectEqual(first.map(\.delivery.id), [older.deliveries[0].id], "limit 1 claims only the oldest due delivery")

        let rest = try await store.claimDue(limit: 10, now: StoreFixture.t0, leaseUntil: StoreFixture.at(30))
        try expectEqual(rest.map(\.delivery.id), [past.id, now.id], "the rest of the due deliveries, oldest first")
        for job in first + rest {
            try expectEqual(job.delivery.status, .sending, "a claimed delivery is sending")
            try expectEqual(job.message.id, job.delivery.messageID, "a job carries its delivery's message")
        }
        try expectEqual(rest[0].message.ms, message.ms, "a job's message comes with its attachments and fields")

        let record = try await unwrap(store.message(id: message.id), "the message is still there")
        let statuses = Dictionary(uniqueKeysWithValues: record.deliveries.map { ($0.id, $0.status) })
        try expectEqual(statuses[future.id], .queued, "a delivery due later is not claimed")
        try expectEqual(statuses[held.id], .held, "a held delivery is not claimed")
        try expectEqual(statuses[past.id], .sending, "a claim is stored, not only returned")
    }

    /// A leased delivery is never claimed twice; once its lease runs out it is claimed again.
    package func claimDueHonoursLeases() async throws {
        let store = try await makeStore()
        let submission = StoreFixture.submission(dueAt: [StoreFixture.t0, StoreFixture.t0, StoreFixture.at(-1)])
        _ = try await store.accept(submission)
        let ids = Set(submission.deliveries.map(\.id))

        let claimed = try await store.claimDue(limit: 10, now: StoreFixture.t0, leaseUntil: StoreFixture.at(30))
        try expectEqual(Set(claimed.map(\.delivery.id)), ids, "every due delivery is claimed")
        let again = try await store.claimDue(limit: 10, now: StoreFixture.at(10), leaseUntil: StoreFixture.at(40))
        try expectEqual(again.map(\.delivery.id), [], "leased deliveries are not claimed again")

        let expired = try await store.claimDue(limit: 10, now: StoreFixture.at(31), leaseUntil: StoreFixture.at(61))
        try expectEqual(Set(expired.map(\.delivery.id)), ids, "deliveries whose lease ran out are claimed again")
        try expectTrue(expired.allSatisfy { $0.delivery.status == .sending }, "re-claimed deliveries are sending")
        let renewed = try await store.claimDue(limit: 10, now: StoreFixture.at(45), leaseUntil: StoreFixture.at(75))
        try expectEqual(renewed.map(\.delivery.id), [], "a re-claim sets a new lease")
    }

    /// Each outcome moves the delivery and sets its fields as documented.
    package func finishMovesDeliveries() async throws {
        let store = try await makeStore()
        let submission = StoreFixture.submission(dueAt: Array(repeating: StoreFixture.t0, count: 4))
        _ = try await store.accept(submission)
        _ = try await store.claimDue(limit: 10, now: StoreFixture.t0, leaseUntil: StoreFixture.at(30))
        let (d1, d2, d3, d4) = (
            submission.deliveries[0].id, submission.deliveries[1].id,
            submission.deliveries[2].id, submission.deliveries[3].id
        )
        func attempt(_ id: String, _ outcome: DeliveryAttempt.Outcome, error: String? = nil) -> DeliveryAttempt {
            DeliveryAttempt(deliveryID: id, number: 1, at: StoreFixture.at(1), connector: "kannel", outcome: outcome, error: error)
        }

        let sent = try await store.finish(
            deliveryID: d1,
            outcome: .sent(connector: "kannel", receiptID: "r-1"),
            attempts: [attempt(d1, .sent)]
        )
        try expectEqual(sent.status, .sent, "sent moves to sent")
        try expectEqual(sent.connector, "kannel", "sent records the connector")
        try expectEqual(sent.receiptID, "r-1", "sent records the receipt")
        try expectEqual(sent.nextAttemptAt, nil, "a sent delivery has no next attempt")
        try expectEqual(sent.attempts, 1, "an attempt counts")

        let retry = try await store.finish(
            deliveryID: d2,
            outcome: .retry(at: StoreFixture.at(300), connector: "kannel", error: "timeout"),
            attempts: [attempt(d2, .transient, error: "timeout")]
        )
        try expectEqual(retry.status, .queued, "retry moves back to queued")
        try expectEqual(retry.nextAttemptAt?.ms, StoreFixture.at(300).ms, "retry sets the next attempt")
        try expectEqual(retry.lastError, "timeout", "retry records the error")
        try expectEqual(retry.attempts, 1, "an attempt counts")

        let failed = try await store.finish(
            deliveryID: d3,
            outcome: .failed(connector: nil, error: "number does not exist"),
            attempts: []
        )
        try expectEqual(failed.status, .failed, "failed moves to failed")
        try expectEqual(failed.lastError, "number does not exist", "failed records the error")
        try expectEqual(failed.nextAttemptAt, nil, "a failed delivery has no next attempt")
        try expectEqual(failed.attempts, 0, "finishing without attempts does not count one")

        let held = try await store.finish(deliveryID: d4, outcome: .held(error: "no route for sms"), attempts: [])
        try expectEqual(held.status, .held, "held moves to held")
        try expectEqual(held.lastError, "no route for sms", "held records the error")

        let record = try await unwrap(store.message(id: submission.message.id), "the message is still there")
        try expectEqual(record.deliveries.map(\.ms), [sent, retry, failed, held].map(\.ms), "finish returns what it stored")

        let early = try await store.claimDue(limit: 10, now: StoreFixture.at(299), leaseUntil: StoreFixture.at(400))
        try expectEqual(early.map(\.delivery.id), [], "a retry is not due before its time; sent/failed/held never are")
        let due = try await store.claimDue(limit: 10, now: StoreFixture.at(300), leaseUntil: StoreFixture.at(400))
        try expectEqual(due.map(\.delivery.id), [d2], "a retry is due at its time")
    }

    /// Moves the life cycle does not allow are refused, change nothing and record no attempt.
    package func finishRefusesIllegalTransitions() async throws {
        let store = try await makeStore()
        let submission = StoreFixture.submission(dueAt: [StoreFixture.t0, StoreFixture.at(600)])
        _ = try await store.accept(submission)
        let (claimedID, queuedID) = (submission.deliveries[0].id, submission.deliveries[1].id)
        _ = try await store.claimDue(limit: 10, now: StoreFixture.t0, leaseUntil: StoreFixture.at(30))
        let first = DeliveryAttempt(deliveryID: claimedID, number: 1, at: StoreFixture.at(1), connector: "kannel", outcome: .sent)
        _ = try await store.finish(deliveryID: claimedID, outcome: .sent(connector: "kannel", receiptID: nil), attempts: [first])

        let late = DeliveryAttempt(
            deliveryID: claimedID,
            number: 2,
            at: StoreFixture.at(2),
            connector: "kannel",
            outcome: .transient,
            error: "late"
        )
        try await expectError(.conflict, "illegal_transition", "a sent delivery cannot go back to queued") {
            try await store.finish(
                deliveryID: claimedID,
                outcome: .retry(at: StoreFixture.at(60), connector: nil, error: "late"),
                attempts: [late]
            )
        }
        try await expectError(.conflict, "illegal_transition", "a queued delivery that was never claimed cannot be sent") {
            try await store.finish(deliveryID: queuedID, outcome: .sent(connector: "kannel", receiptID: nil), attempts: [])
        }
        try await expectError(.notFound, nil, "finishing an unknown delivery is notFound") {
            try await store.finish(deliveryID: "no-such-delivery", outcome: .held(error: "x"), attempts: [])
        }

        let record = try await unwrap(store.message(id: submission.message.id), "the message is still there")
        try expectEqual(record.deliveries.map(\.status), [.sent, .queued], "refused moves change no status")
        try expectEqual(record.deliveries[0].attempts, 1, "a refused move counts no attempt")
        let attempts = try await store.attempts(deliveryID: claimedID)
        try expectEqual(attempts.map(\.ms), [first.ms], "a refused move records no attempt")
    }

    /// A batch of outcomes records every acceptable item and refuses the others one by one,
    /// each exactly as a single `finish` would.
    package func finishBatchRefusesItemsAlone() async throws {
        let store = try await makeStore()
        let submission = StoreFixture.submission(dueAt: [StoreFixture.t0, StoreFixture.t0, StoreFixture.at(600)])
        _ = try await store.accept(submission)
        let ids = submission.deliveries.map(\.id)
        _ = try await store.claimDue(limit: 10, now: StoreFixture.t0, leaseUntil: StoreFixture.at(30))
        let sentAttempt = DeliveryAttempt(
            deliveryID: ids[0],
            number: 1,
            at: StoreFixture.at(1),
            connector: "kannel",
            outcome: .sent,
            receiptID: "r-1"
        )
        let failAttempt = DeliveryAttempt(
            deliveryID: ids[1],
            number: 1,
            at: StoreFixture.at(2),
            connector: "modem",
            outcome: .transient,
            error: "no signal"
        )
        let results = try await store.finish([
            DeliveryFinish(deliveryID: ids[0], outcome: .sent(connector: "kannel", receiptID: "r-1"), attempts: [sentAttempt]),
            DeliveryFinish(deliveryID: ids[2], outcome: .sent(connector: "kannel", receiptID: nil), attempts: []),
            DeliveryFinish(deliveryID: "no-such-delivery", outcome: .held(error: "x"), attempts: []),
            DeliveryFinish(
                deliveryID: ids[1],
                outcome: .retry(at: StoreFixture.at(60), connector: "modem", error: "no signal"),
                attempts: [failAttempt]
            ),
        ])
        try expectEqual(results.count, 4, "one result per item, in order")
        try expectEqual(try? results[0].get(), .sent, "the sent item is recorded")
        let codes = results.map { result -> String? in if case .failure(let e) = result { e.code } else { nil } }
        try expectEqual(codes[1], "illegal_transition", "a queued delivery that was never claimed cannot be sent, even in a batch")
        let kinds = results.map { result -> SwitchboardError.Kind? in if case .failure(let e) = result { e.kind } else { nil } }
        try expectEqual(kinds[2], .notFound, "an unknown delivery in a batch is notFound")
        try expectEqual(try? results[3].get(), .queued, "an item after refused ones is still recorded")

        let record = try await unwrap(store.message(id: submission.message.id), "the message is still there")
        try expectEqual(record.deliveries.map(\.status), [.sent, .queued, .queued], "statuses as the batch left them")
        try expectEqual(record.deliveries[0].receiptID, "r-1", "the receipt is kept")
        try expectEqual(record.deliveries[1].lastError, "no signal", "the retry's error is kept")
        try expectEqual(record.deliveries[1].attempts, 1, "the retried round counts")
        try expectEqual(record.deliveries[2].attempts, 0, "the refused item counts no attempt")
        try expectEqual(try await store.attempts(deliveryID: ids[0]).map(\.ms), [sentAttempt.ms], "the sent attempt is kept")
        try expectEqual(try await store.attempts(deliveryID: ids[1]).map(\.ms), [failAttempt.ms], "the failed attempt is kept")
        let again = try await store.claimDue(limit: 10, now: StoreFixture.at(60), leaseUntil: StoreFixture.at(90))
        try expectEqual(again.map(\.delivery.id), [ids[1]], "the retried delivery is due at its time, not before")
    }

    /// Every attempt of every round is kept, oldest first; a round counts once.
    package func attemptsAreRecordedInOrder() async throws {
        let store = try await makeStore()
        let submission = StoreFixture.submission(dueAt: [StoreFixture.t0])
        let id = submission.deliveries[0].id
        _ = try await store.accept(submission)
        let a1 = DeliveryAttempt(deliveryID: id, number: 1, at: StoreFixture.at(1), connector: "kannel", outcome: .transient, error: "503")
        let a2 = DeliveryAttempt(deliveryID: id, number: 1, at: StoreFixture.at(2), connector: "modem", outcome: .transient, error: "no signal")
        let a3 = DeliveryAttempt(deliveryID: id, number: 2, at: StoreFixture.at(62), connector: "kannel", outcome: .sent, receiptID: "r-9")

        _ = try await store.claimDue(limit: 1, now: StoreFixture.t0, leaseUntil: StoreFixture.at(30))
        let retried = try await store.finish(
            deliveryID: id,
            outcome: .retry(at: StoreFixture.at(60), connector: "modem", error: "no signal"),
            attempts: [a1, a2]
        )
        try expectEqual(retried.attempts, 1, "one round over two connectors counts one attempt")
        try expectEqual(retried.connector, "modem", "the connector tried last is recorded")
        _ = try await store.claimDue(limit: 1, now: StoreFixture.at(60), leaseUntil: StoreFixture.at(90))
        let sent = try await store.finish(deliveryID: id, outcome: .sent(connector: "kannel", receiptID: "r-9"), attempts: [a3])
        try expectEqual(sent.attempts, 2, "the second round counts")

        let attempts = try await store.attempts(deliveryID: id)
        try expectEqual(attempts.map(\.ms), [a1, a2, a3].map(\.ms), "attempts come back oldest first with every field")
        let none = try await store.attempts(deliveryID: "no-such-delivery")
        try expectEqual(none, [], "an unknown delivery has no attempts")
    }

    /// The dispatcher sleeps until the earliest queued delivery or the earliest lease expiry.
    package func nextDueFollowsQueueAndLeases() async throws {
        let store = try await makeStore()
        let empty = try await store.nextDue()
        try expectEqual(empty, nil, "an empty outbox has nothing due")

        let submission = StoreFixture.submission(dueAt: [StoreFixture.at(100), StoreFixture.at(50)])
        var message = submission
        message.deliveries.append(
            Delivery(
                messageID: submission.message.id,
                address: .sms("+4711111111"),
                channel: .sms,
                status: .held,
                createdAt: StoreFixture.t0
            )
        )
        _ = try await store.accept(message)
        try expectEqual(try await store.nextDue()?.ms, StoreFixture.at(50).ms, "the earliest queued delivery")

        let claimed = try await store.claimDue(limit: 1, now: StoreFixture.at(50), leaseUntil: StoreFixture.at(80))
        try expectEqual(claimed.map(\.delivery.id), [submission.deliveries[1].id], "the earliest one is claimed")
        try expectEqual(try await store.nextDue()?.ms, StoreFixture.at(80).ms, "a lease running out before the queue is next")

        _ = try await store.finish(
            deliveryID: submission.deliveries[1].id,
            outcome: .sent(connector: "kannel", receiptID: nil),
            attempts: []
        )
        try expectEqual(try await store.nextDue()?.ms, StoreFixture.at(100).ms, "a finished delivery is no longer due")

        _ = try await store.claimDue(limit: 1, now: StoreFixture.at(100), leaseUntil: StoreFixture.at(130))
        _ = try await store.finish(
            deliveryID: submission.deliveries[0].id,
            outcome: .failed(connector: "kannel", error: "x"),
            attempts: []
        )
        try expectEqual(try await store.nextDue(), nil, "held and final deliveries are never due")
    }

    /// Eight workers claiming at once from 200 due deliveries share them without overlap.
    package func concurrentClaimsNeverOverlap() async throws {
        let store = try await makeStore()
        var all: Set<String> = []
        for batch in 0..<20 {
            let submission = StoreFixture.submission(dueAt: Array(repeating: StoreFixture.at(Double(-batch)), count: 10))
            _ = try await store.accept(submission)
            all.formUnion(submission.deliveries.map(\.id))
        }
        let claims = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var mine: [String] = []
                    // Bounded, so a store that hands deliveries out again fails instead of hanging.
                    while mine.count <= 200 {
                        let jobs = try await store.claimDue(limit: 7, now: StoreFixture.t0, leaseUntil: StoreFixture.at(600))
                        if jobs.isEmpty { break }
                        mine += jobs.map(\.delivery.id)
                    }
                    return mine
                }
            }
            var claims: [[String]] = []
            for try await ids in group { claims.append(ids) }
            return claims
        }
        let flat = claims.flatMap { $0 }
        try expectEqual(flat.count, 200, "the workers claimed 200 deliveries in total")
        try expectEqual(Set(flat).count, 200, "no delivery was claimed by two workers")
        try expectEqual(Set(flat), all, "every claimed delivery is one of the queued ones")
    }
}
