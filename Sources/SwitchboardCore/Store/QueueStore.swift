import Foundation

/// The operator's view of the outbox (NAV smsd's queue operations): who has pending
/// deliveries, what is waiting for one recipient, cancelling stale ones, the dead-letter
/// queue, and setting a status by hand with a reason that is kept.
///
/// Every status change made here goes through `DeliveryStatus.canMove(to:)` and is recorded
/// as a `StatusChange`, so "who cancelled this, and why" always has an answer.
package protocol QueueStore: Sendable {
    /// Up to `limit` recipients with pending deliveries (`queued`, `sending` or `held`), most
    /// urgent first (highest severity, then oldest, then address and channel in byte order),
    /// after `cursor` (a `RecipientCursor`'s text; one the store did not make throws
    /// `invalid/invalid_cursor`). `channel` narrows to one channel.
    func pendingRecipients(channel: ChannelName?, limit: Int, after cursor: String?) async throws -> RecipientPage

    /// One recipient's first `limit` pending deliveries with their messages, most severe first,
    /// then oldest.
    func pending(address: Address, limit: Int) async throws -> [DeliveryJob]

    /// Marks `queued` and `held` deliveries created before `before` as `status` (`.cancelled`
    /// by an operator, `.ignored` by autocancel), each with `reason`; returns how many.
    func cancelPending(
        createdBefore before: Date,
        channel: ChannelName?,
        status: DeliveryStatus,
        reason: String,
        by actor: String
    ) async throws -> Int

    /// Up to `limit` deliveries in one status, newest change first, then the later row first
    /// (the dead-letter queue is `.failed`), after `cursor` (a `DeliveryCursor`'s text; one
    /// the store did not make throws `invalid/invalid_cursor`).
    func deliveries(status: DeliveryStatus, limit: Int, after cursor: String?) async throws -> DeliveryPage

    /// A message with its warnings but none of its deliveries (`deliveries` is empty): for a
    /// message to a large group, whose deliveries are read a page at a time.
    func messageWithoutDeliveries(id: String) async throws -> MessageRecord?

    /// Up to `limit` of one message's deliveries in the message's order (their position), after
    /// `cursor` (a `PositionCursor`'s text; one the store did not make throws
    /// `invalid/invalid_cursor`). An unknown message has none.
    func deliveries(messageID: String, limit: Int, after cursor: String?) async throws -> DeliveryPage

    /// How many of one message's deliveries are in each status (statuses with none left
    /// out), counted in one statement.
    func deliveryCounts(messageID: String) async throws -> [DeliveryStatus: Int]

    /// Puts `failed` or `held` deliveries back in the queue, due now, with their attempt count
    /// reset; `ids == nil` means all of them in that status. Returns how many.
    func requeue(ids: [String]?, status: DeliveryStatus, reason: String, by actor: String, now: Date) async throws -> Int

    /// An operator's hand-made change (or a gateway's delivery report); refused with
    /// `conflict/illegal_transition` like any other. Moving to `failed` also makes `reason`
    /// the delivery's `lastError`, so a failure reported later reads like one met at send time.
    func setStatus(deliveryID: String, to status: DeliveryStatus, reason: String, by actor: String, now: Date) async throws -> Delivery

    /// The status history of a delivery, oldest first (operator changes and autocancel).
    func statusChanges(deliveryID: String) async throws -> [StatusChange]

    /// Adds deliveries to an existing message (channel fallback), committed together.
    func addDeliveries(_ deliveries: [Delivery]) async throws

    /// Ends every claim at once: a single hub on SQLite calls this on start-up, because any
    /// `sending` delivery then belongs to a process that died.
    func releaseClaims(now: Date) async throws -> Int

    /// A delivery by id.
    func delivery(id: String) async throws -> Delivery?

    /// The delivery carrying a connector's receipt id (delivery reports).
    func delivery(connector: String, receiptID: String) async throws -> Delivery?
}

extension QueueStore {
    /// Every recipient with pending deliveries, page by page: for the CLI and tests, which
    /// want the whole list; pages and the API ask for one page.
    package func pendingRecipients(channel: ChannelName?) async throws -> [PendingRecipient] {
        var all: [PendingRecipient] = []
        var cursor: String?
        repeat {
            let page = try await pendingRecipients(channel: channel, limit: 500, after: cursor)
            all += page.recipients
            cursor = page.nextCursor
        } while cursor != nil
        return all
    }

    /// Every pending delivery of one recipient: for the CLI and tests; pages and the API ask
    /// for a bounded number.
    package func pending(address: Address) async throws -> [DeliveryJob] {
        try await pending(address: address, limit: Int(Int32.max))
    }

    /// The first `limit` deliveries in one status, newest change first.
    package func deliveries(status: DeliveryStatus, limit: Int) async throws -> [Delivery] {
        try await deliveries(status: status, limit: limit, after: nil).deliveries
    }
}

/// A page of deliveries in one status; pass `nextCursor` as the next call's cursor.
package struct DeliveryPage: Sendable, Equatable {
    package var deliveries: [Delivery]
    /// Set when more remain.
    package var nextCursor: String?
    package init(deliveries: [Delivery], nextCursor: String?) {
        self.deliveries = deliveries
        self.nextCursor = nextCursor
    }
}

/// A page of waiting recipients; pass `nextCursor` as the next call's cursor.
package struct RecipientPage: Sendable, Equatable {
    package var recipients: [PendingRecipient]
    /// Set when more remain.
    package var nextCursor: String?
    package init(recipients: [PendingRecipient], nextCursor: String?) {
        self.recipients = recipients
        self.nextCursor = nextCursor
    }
}

/// A recipient with deliveries waiting.
package struct PendingRecipient: Sendable, Codable, Equatable {
    package var address: Address
    package var channel: ChannelName
    package var count: Int
    package var oldest: Date
    package var highestSeverity: Severity
    package init(address: Address, channel: ChannelName, count: Int, oldest: Date, highestSeverity: Severity) {
        self.address = address
        self.channel = channel
        self.count = count
        self.oldest = oldest
        self.highestSeverity = highestSeverity
    }
}

/// One recorded change of a delivery's status by an operator or a sweeper.
package struct StatusChange: Sendable, Codable, Equatable {
    package var deliveryID: String
    package var from: DeliveryStatus
    package var to: DeliveryStatus
    package var reason: String
    /// Who: a username, `cli:USER`, or `autocancel`.
    package var actor: String
    package var at: Date
    package init(deliveryID: String, from: DeliveryStatus, to: DeliveryStatus, reason: String, actor: String, at: Date) {
        self.deliveryID = deliveryID
        self.from = from
        self.to = to
        self.reason = reason
        self.actor = actor
        self.at = at
    }
}
