import Foundation

/// The operator's view of the outbox (NAV smsd's queue operations): who has pending
/// deliveries, what is waiting for one recipient, cancelling stale ones, the dead-letter
/// queue, and setting a status by hand with a reason that is kept.
///
/// Every status change made here goes through `DeliveryStatus.canMove(to:)` and is recorded
/// as a `StatusChange`, so "who cancelled this, and why" always has an answer.
package protocol QueueStore: Sendable {
    /// Recipients with pending deliveries (`queued`, `sending` or `held`), most urgent first
    /// (highest severity, then oldest). `channel` narrows to one channel.
    func pendingRecipients(channel: ChannelName?) async throws -> [PendingRecipient]

    /// One recipient's pending deliveries with their messages, most severe first, then oldest.
    func pending(address: Address) async throws -> [DeliveryJob]

    /// Marks `queued` and `held` deliveries created before `before` as `status` (`.cancelled`
    /// by an operator, `.ignored` by autocancel), each with `reason`; returns how many.
    func cancelPending(
        createdBefore before: Date,
        channel: ChannelName?,
        status: DeliveryStatus,
        reason: String,
        by actor: String
    ) async throws -> Int

    /// Deliveries in one status, newest change first (the dead-letter queue is `.failed`).
    func deliveries(status: DeliveryStatus, limit: Int) async throws -> [Delivery]

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
