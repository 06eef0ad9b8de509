import Foundation

// The outbox in memory: accepting (with idempotency keys), claims with leases, and
// recording outcomes, with the SQLite store's checks and errors.
extension MemoryStore: OutboxStore {
    package func accept(_ submission: Submission) async throws -> Acceptance {
        // One submission is checked whole before anything is written: no draft needed.
        try withState { state in
            try state.accept(submission) { .conflict("message_exists", "a message or delivery with id \($0) already exists") }
        }
    }

    package func accept(batch: [Submission]) async throws -> [Acceptance] {
        guard !batch.isEmpty else { return [] }
        return try transaction { state in
            try batch.map { submission in
                try state.accept(submission) { _ in
                    .conflict("message_exists", "a message or delivery of the batch already exists")
                }
            }
        }
    }

    package func message(id: String) async throws -> MessageRecord? {
        try withState { $0.record(messageID: id) }
    }

    package func claimDue(limit: Int, now: Date, leaseUntil: Date) async throws -> [DeliveryJob] {
        guard limit > 0 else { return [] }
        return try withState { state in
            // As the SQLite store picks them: due queued ones by due time, then claims whose
            // lease ran out by lease end, merged by time (queued first on a tie).
            let queued = state.deliveries.values
                .filter { $0.delivery.status == .queued && ($0.delivery.nextAttemptAt.map { $0 <= now } ?? false) }
                .sorted { ($0.delivery.nextAttemptAt!, $0.row) < ($1.delivery.nextAttemptAt!, $1.row) }
                .prefix(limit)
            let expired = state.deliveries.values
                .filter { $0.delivery.status == .sending && ($0.leaseUntil.map { $0 <= now } ?? false) }
                .sorted { ($0.leaseUntil!, $0.row) < ($1.leaseUntil!, $1.row) }
                .prefix(limit)
            let due = (Array(queued) + Array(expired))
                .enumerated()
                .sorted { a, b in
                    let ta = a.element.delivery.nextAttemptAt ?? a.element.leaseUntil ?? .distantPast
                    let tb = b.element.delivery.nextAttemptAt ?? b.element.leaseUntil ?? .distantPast
                    return ta != tb ? ta < tb : a.offset < b.offset
                }
                .prefix(limit)
            state.claimedByClaimRounds += due.count
            return due.map { entry in
                var claimed = entry.element
                claimed.delivery.status = .sending
                claimed.delivery.updatedAt = now
                claimed.leaseUntil = leaseUntil
                state.deliveries[claimed.delivery.id] = claimed
                // Every delivery belongs to a stored message: accept and addDeliveries check it.
                let message = state.messages[claimed.delivery.messageID]!.message
                return DeliveryJob(delivery: claimed.delivery, message: message)
            }
        }
    }

    /// How many deliveries claim rounds (`claimDue`) took so far: tests tell a reply sent from
    /// its turn's own claim from one a claim round took.
    package var claimedByClaimRounds: Int { state.withLock { $0.claimedByClaimRounds } }

    package func extendLeases(ids: [String], until: Date) async throws {
        try withState { state in
            for id in ids where state.deliveries[id]?.delivery.status == .sending {
                state.deliveries[id]?.leaseUntil = until
            }
        }
    }

    package func finish(deliveryID: String, outcome: DeliveryOutcome, attempts: [DeliveryAttempt]) async throws -> Delivery {
        try withState { state in
            try state.record(DeliveryFinish(deliveryID: deliveryID, outcome: outcome, attempts: attempts), now: Date())
            return try state.storedDelivery(deliveryID).delivery
        }
    }

    package func finish(_ items: [DeliveryFinish]) async throws -> [Result<DeliveryStatus, SwitchboardError>] {
        guard !items.isEmpty else { return [] }
        return try withState { state in
            let now = Date()
            return items.map { item in
                do throws(SwitchboardError) {
                    try state.record(item, now: now)
                    return .success(item.outcome.status)
                } catch {
                    return .failure(error)
                }
            }
        }
    }

    package func attempts(deliveryID: String) async throws -> [DeliveryAttempt] {
        try withState { $0.attempts[deliveryID] ?? [] }
    }

    package func nextDue() async throws -> Date? {
        try withState { state in
            // A `sending` delivery whose worker died is due again when its lease runs out.
            state.deliveries.values.compactMap { stored -> Date? in
                switch stored.delivery.status {
                case .queued: stored.delivery.nextAttemptAt
                case .sending: stored.leaseUntil
                default: nil
                }
            }.min()
        }
    }

    package func latestUserSender(to address: Address, since: Date) async throws -> String? {
        let text = address.description
        return try withState { state in
            var best: Message?
            for stored in state.deliveries.values where stored.delivery.address.description == text {
                guard let message = state.messages[stored.delivery.messageID]?.message,
                    message.direction == .outbound, message.createdAt >= since,
                    let sender = message.sender, !sender.contains(":")
                else { continue }
                if best.map({ message.createdAt > $0.createdAt }) ?? true { best = message }
            }
            return best?.sender
        }
    }
}

extension MemoryStore.State {
    /// Accepts one submission: replays or refuses a known idempotency key, else inserts the
    /// message, its deliveries and the key. Everything is checked before anything is written,
    /// so a refusal changes nothing. `duplicate` words the refusal of an id already used.
    /// `leaseUntil` is the lease of deliveries given `sending` (a turn's claimed replies).
    mutating func accept(
        _ submission: Submission,
        leaseUntil: Date? = nil,
        duplicate: (String) -> SwitchboardError
    ) throws -> Acceptance {
        let message = submission.message
        if let key = submission.idempotency, let existing = idempotencyKeys[.init(scope: key.scope, key: key.key)] {
            guard existing.fingerprint == key.fingerprint else {
                throw SwitchboardError.conflict(
                    "idempotency_key_reused",
                    "idempotency key '\(key.key)' was already used for a different request"
                )
            }
            return Acceptance(record: record(messageID: existing.messageID)!, replayed: true)
        }
        for delivery in submission.deliveries where delivery.messageID != message.id {
            throw SwitchboardError.invalid(
                "delivery_message_mismatch",
                "delivery \(delivery.id) belongs to message \(delivery.messageID), not \(message.id)"
            )
        }
        guard messages[message.id] == nil else { throw duplicate(message.id) }
        try checkNew(submission.deliveries, duplicate: { _ in duplicate(message.id) })
        messages[message.id] = MemoryStore.StoredMessage(message: message, warnings: submission.warnings, deliveryIDs: [])
        insert(submission.deliveries, leaseUntil: leaseUntil)
        if let key = submission.idempotency {
            idempotencyKeys[.init(scope: key.scope, key: key.key)] = .init(fingerprint: key.fingerprint, messageID: message.id)
        }
        return Acceptance(record: MessageRecord(message: message, deliveries: submission.deliveries, warnings: submission.warnings), replayed: false)
    }

    /// Throws `duplicate` if an id of `new` is taken or given twice.
    func checkNew(_ new: [Delivery], duplicate: (String) -> SwitchboardError) throws {
        var ids: Set<String> = []
        for delivery in new where deliveries[delivery.id] != nil || !ids.insert(delivery.id).inserted {
            throw duplicate(delivery.id)
        }
    }

    /// Appends deliveries (checked by `checkNew`) to their stored messages, in order.
    mutating func insert(_ new: [Delivery], leaseUntil: Date? = nil) {
        for delivery in new {
            let lease = delivery.status == .sending ? leaseUntil : nil
            deliveries[delivery.id] = MemoryStore.StoredDelivery(delivery: delivery, leaseUntil: lease, row: nextDeliveryRow)
            nextDeliveryRow += 1
            messages[delivery.messageID]?.deliveryIDs.append(delivery.id)
        }
    }

    /// Checks one outcome and records it; a refused one changes nothing.
    mutating func record(_ item: DeliveryFinish, now: Date) throws(SwitchboardError) {
        let id = item.deliveryID
        try item.checkAttempts()
        let columns = item.columns
        var stored = try storedDelivery(id)
        guard columns.from.contains(stored.delivery.status) else {
            throw Self.illegalTransition(id, from: stored.delivery.status, to: columns.status)
        }
        var d = stored.delivery
        columns.apply(to: &d, now: now)
        stored.delivery = d
        stored.leaseUntil = nil
        deliveries[id] = stored
        if !item.attempts.isEmpty { attempts[id, default: []].append(contentsOf: item.attempts) }
    }
}
