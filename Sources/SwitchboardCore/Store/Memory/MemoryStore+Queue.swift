import Foundation

// The operator's queue in memory. As in the SQLite store, bulk changes skip the deliveries
// whose status may not move and record one `StatusChange` per delivery moved, oldest first.
extension MemoryStore: QueueStore {
    static let pendingStatuses: Set<DeliveryStatus> = [.queued, .sending, .held]

    /// Every waiting recipient is grouped and sorted, then the page is cut after the cursor.
    package func pendingRecipients(channel: ChannelName?, limit: Int, after cursor: String?) async throws -> RecipientPage {
        let cursor = try cursor.map { text throws(SwitchboardError) in try RecipientCursor(parsing: text) }
        guard limit > 0 else { return RecipientPage(recipients: [], nextCursor: nil) }
        let sorted = try withState { state in
            struct Key: Hashable {
                var address: String
                var channel: ChannelName
            }
            var groups: [Key: (recipient: PendingRecipient, rank: Int)] = [:]
            for stored in state.deliveries.values where Self.pendingStatuses.contains(stored.delivery.status) {
                let d = stored.delivery
                guard channel == nil || d.channel == channel, let message = state.messages[d.messageID]?.message else { continue }
                let key = Key(address: d.address.description, channel: d.channel)
                if var group = groups[key] {
                    group.recipient.count += 1
                    group.recipient.oldest = min(group.recipient.oldest, d.createdAt)
                    if message.severity.rank > group.rank {
                        group.rank = message.severity.rank
                        group.recipient.highestSeverity = message.severity
                    }
                    groups[key] = group
                } else {
                    let recipient = PendingRecipient(
                        address: d.address,
                        channel: d.channel,
                        count: 1,
                        oldest: d.createdAt,
                        highestSeverity: message.severity
                    )
                    groups[key] = (recipient, message.severity.rank)
                }
            }
            // Most urgent first: highest severity, then oldest, then by address and channel.
            return groups.values.map { (place: Self.place($0.recipient, rank: $0.rank), recipient: $0.recipient) }
                .sorted { a, b in a.place.precedes(rank: b.place.rank, oldest: b.place.oldest, address: b.place.address, channel: b.place.channel) }
        }
        let rest = sorted.drop { entry in
            guard let cursor else { return false }
            return !cursor.precedes(rank: entry.place.rank, oldest: entry.place.oldest, address: entry.place.address, channel: entry.place.channel)
        }
        let page = rest.prefix(limit)
        let next = rest.count > limit ? page.last?.place.text : nil
        return RecipientPage(recipients: page.map(\.recipient), nextCursor: next)
    }

    /// A recipient's place in the listing order, as its cursor holds it.
    static func place(_ r: PendingRecipient, rank: Int) -> RecipientCursor {
        RecipientCursor(rank: rank, oldest: r.oldest.timeIntervalSince1970, channel: r.channel.rawValue, address: r.address.description)
    }

    package func pending(address: Address, limit: Int) async throws -> [DeliveryJob] {
        let text = address.description
        return try withState { state in
            let jobs = state.deliveries.values.compactMap { stored -> (job: DeliveryJob, row: Int64)? in
                guard stored.delivery.address.description == text, Self.pendingStatuses.contains(stored.delivery.status),
                    let message = state.messages[stored.delivery.messageID]?.message
                else { return nil }
                return (DeliveryJob(delivery: stored.delivery, message: message), stored.row)
            }
            // Most severe first, then oldest.
            return jobs.sorted { a, b in
                let (ra, rb) = (a.job.message.severity.rank, b.job.message.severity.rank)
                if ra != rb { return ra > rb }
                return (a.job.delivery.createdAt, a.row) < (b.job.delivery.createdAt, b.row)
            }.prefix(max(limit, 0)).map { $0.job }
        }
    }

    package func cancelPending(
        createdBefore before: Date,
        channel: ChannelName?,
        status: DeliveryStatus,
        reason: String,
        by actor: String
    ) async throws -> Int {
        let movable = try Set(DeliveryStatus.cancellablePending(to: status))
        let now = Date()
        return try withState { state in
            let moving = state.deliveries.values.filter { stored in
                movable.contains(stored.delivery.status) && stored.delivery.createdAt < before
                    && (channel == nil || stored.delivery.channel == channel)
            }
            for stored in moving.sorted(by: { ($0.delivery.createdAt, $0.row) < ($1.delivery.createdAt, $1.row) }) {
                state.move(stored, to: status, reason: reason, by: actor, now: now) { d in d.nextAttemptAt = nil }
            }
            return moving.count
        }
    }

    package func deliveries(status: DeliveryStatus, limit: Int, after cursor: String?) async throws -> DeliveryPage {
        let cursor = try cursor.map { text throws(SwitchboardError) in try DeliveryCursor(parsing: text) }
        guard limit > 0 else { return DeliveryPage(deliveries: [], nextCursor: nil) }
        return try withState { state in
            // Newest change first, then the later row.
            let matching = state.deliveries.values
                .filter { stored in
                    stored.delivery.status == status
                        && (cursor.map { $0.precedes(time: stored.delivery.updatedAt.timeIntervalSince1970, seq: stored.row) } ?? true)
                }
                .sorted { ($0.delivery.updatedAt, $0.row) > ($1.delivery.updatedAt, $1.row) }
            let page = matching.prefix(limit)
            let next =
                matching.count > limit
                ? page.last.map { DeliveryCursor(time: $0.delivery.updatedAt.timeIntervalSince1970, seq: $0.row).text } : nil
            return DeliveryPage(deliveries: page.map(\.delivery), nextCursor: next)
        }
    }

    package func requeue(ids: [String]?, status: DeliveryStatus, reason: String, by actor: String, now: Date) async throws -> Int {
        guard status == .failed || status == .held else {
            throw SwitchboardError.invalid("invalid_status", "only failed or held deliveries can be requeued, not \(status.rawValue)")
        }
        let wanted = ids.map(Set.init)
        return try withState { state in
            let moving = state.deliveries.values.filter { stored in
                stored.delivery.status == status && (wanted?.contains(stored.delivery.id) ?? true)
            }
            for stored in moving.sorted(by: { ($0.delivery.createdAt, $0.row) < ($1.delivery.createdAt, $1.row) }) {
                state.move(stored, to: .queued, reason: reason, by: actor, now: now) { d in
                    d.attempts = 0
                    d.nextAttemptAt = now
                }
            }
            return moving.count
        }
    }

    package func setStatus(deliveryID: String, to status: DeliveryStatus, reason: String, by actor: String, now: Date) async throws -> Delivery {
        // `sending` is the dispatcher's claim and needs a lease; set by hand it would strand
        // the delivery, so no operator may set it.
        guard status != .sending else {
            throw SwitchboardError.invalid("invalid_status", "only the dispatcher moves a delivery to sending")
        }
        return try withState { state in
            let stored = try state.storedDelivery(deliveryID)
            guard stored.delivery.status.canMove(to: status) else {
                throw State.illegalTransition(deliveryID, from: stored.delivery.status, to: status)
            }
            return state.move(stored, to: status, reason: reason, by: actor, now: now) { d in
                if status == .failed { d.lastError = reason }
                // Back in the queue it is due at once; anywhere else it is not due at all.
                d.nextAttemptAt = status == .queued ? now : nil
            }
        }
    }

    package func statusChanges(deliveryID: String) async throws -> [StatusChange] {
        try withState { $0.statusChanges[deliveryID] ?? [] }
    }

    package func addDeliveries(_ deliveries: [Delivery]) async throws {
        guard !deliveries.isEmpty else { return }
        // Checked whole before anything is written: all or none without a draft.
        try withState { state in
            for messageID in Set(deliveries.map(\.messageID)) where state.messages[messageID] == nil {
                throw SwitchboardError.notFound("unknown_message", "no message with id \(messageID)")
            }
            try state.checkNew(deliveries) { _ in .conflict("delivery_exists", "a delivery with one of these ids already exists") }
            state.insert(deliveries)
        }
    }

    package func releaseClaims(now: Date) async throws -> Int {
        try withState { state in
            let claimed = state.deliveries.values.filter { $0.delivery.status == .sending }
            for var stored in claimed {
                stored.delivery.status = .queued
                stored.delivery.nextAttemptAt = now
                stored.delivery.updatedAt = now
                stored.leaseUntil = nil
                state.deliveries[stored.delivery.id] = stored
            }
            return claimed.count
        }
    }

    package func delivery(id: String) async throws -> Delivery? {
        try withState { $0.deliveries[id]?.delivery }
    }

    package func delivery(connector: String, receiptID: String) async throws -> Delivery? {
        try withState { state in
            state.deliveries.values
                .filter { $0.delivery.connector == connector && $0.delivery.receiptID == receiptID }
                .max { ($0.delivery.updatedAt, $0.row) < ($1.delivery.updatedAt, $1.row) }?
                .delivery
        }
    }
}

extension MemoryStore.State {
    /// Moves a delivery to `status` (no claim left, changed `now`), records who did it and
    /// why, and lets `change` set the rest; returns the delivery as moved.
    @discardableResult
    mutating func move(
        _ stored: MemoryStore.StoredDelivery,
        to status: DeliveryStatus,
        reason: String,
        by actor: String,
        now: Date,
        _ change: (inout Delivery) -> Void
    ) -> Delivery {
        var stored = stored
        let from = stored.delivery.status
        statusChanges[stored.delivery.id, default: []].append(
            StatusChange(deliveryID: stored.delivery.id, from: from, to: status, reason: reason, actor: actor, at: now)
        )
        stored.delivery.status = status
        stored.delivery.updatedAt = now
        change(&stored.delivery)
        stored.leaseUntil = nil
        deliveries[stored.delivery.id] = stored
        return stored.delivery
    }
}
