import Foundation

/// The durable outbox: messages with their deliveries, and the dispatcher's claims on them.
package protocol OutboxStore: Sendable {
    /// Commits the message, all its deliveries and its warnings in one transaction; returns
    /// only once they are on disk. With an idempotency key already used by the same scope,
    /// commits nothing and returns the first record (`replayed == true`), or throws
    /// `conflict/idempotency_key_reused` if the key was used for a different request.
    func accept(_ submission: Submission) async throws -> Acceptance

    /// Commits many submissions in one transaction, all or none: if any is refused (an id
    /// already used, an idempotency key reused for something else) nothing is committed and
    /// that error is thrown. Each idempotency key is looked up as `accept` does, so a retried
    /// batch replays. Returns one acceptance per submission, in order.
    func accept(batch: [Submission]) async throws -> [Acceptance]

    /// A message with its deliveries and warnings.
    func message(id: String) async throws -> MessageRecord?

    /// Marks up to `limit` due deliveries (`queued` with `nextAttemptAt <= now`, or `sending`
    /// whose lease ran out) as `sending` until `leaseUntil`, and returns them with their messages.
    func claimDue(limit: Int, now: Date, leaseUntil: Date) async throws -> [DeliveryJob]

    /// Moves the lease of those of `ids` still `sending` on to `until`, in one statement; rows
    /// already finished or put back are left alone. The dispatcher calls it while their sends
    /// are in flight, so a send that outlasts the lease is not claimed and sent again.
    func extendLeases(ids: [String], until: Date) async throws

    /// Records one dispatch round's attempts (one per connector tried, in order) and moves the
    /// delivery on, in one transaction; `attempts` of the delivery grows by one when any
    /// attempt is given. Throws `conflict/illegal_transition` if the delivery's status does
    /// not allow the move, `notFound` for an unknown id.
    func finish(deliveryID: String, outcome: DeliveryOutcome, attempts: [DeliveryAttempt]) async throws -> Delivery

    /// Records many outcomes in one transaction, as the dispatcher does for a batch: each item
    /// is checked exactly as `finish(deliveryID:outcome:attempts:)` checks it and is refused
    /// alone (its error in its place, nothing of it written) while the others are recorded.
    /// Returns each delivery's new status or the reason it was refused; throws only when the
    /// store itself fails, and then nothing of the batch is recorded.
    func finish(_ items: [DeliveryFinish]) async throws -> [Result<DeliveryStatus, SwitchboardError>]

    /// Every attempt at a delivery, oldest first.
    func attempts(deliveryID: String) async throws -> [DeliveryAttempt]

    /// The earliest `nextAttemptAt` of a queued delivery, so the dispatcher can sleep until then.
    func nextDue() async throws -> Date?

    /// The login user who most recently sent to `address` since `since` (senders like
    /// `cli:…` or `connector:…` are not users), so a reply lands in that user's inbox.
    func latestUserSender(to address: Address, since: Date) async throws -> String?
}

/// What the API or router hands the outbox in one piece.
package struct Submission: Sendable {
    package var message: Message
    package var deliveries: [Delivery]
    package var warnings: [String]
    package var idempotency: IdempotencyKey?
    package init(message: Message, deliveries: [Delivery], warnings: [String] = [], idempotency: IdempotencyKey? = nil) {
        self.message = message
        self.deliveries = deliveries
        self.warnings = warnings
        self.idempotency = idempotency
    }
}

/// A client-chosen key that makes a retried request a no-op.
package struct IdempotencyKey: Sendable, Equatable {
    /// Keys are unique per scope (the user who sent), so two users cannot collide.
    package var scope: String
    package var key: String
    /// A digest of the request; reusing a key for a different request is refused.
    package var fingerprint: String
    package init(scope: String, key: String, fingerprint: String) {
        self.scope = scope
        self.key = key
        self.fingerprint = fingerprint
    }
}

package struct Acceptance: Sendable, Equatable {
    package var record: MessageRecord
    package var replayed: Bool
    package init(record: MessageRecord, replayed: Bool) {
        self.record = record
        self.replayed = replayed
    }
}

/// A message as stored, with every delivery it made and the warnings given when it was accepted.
package struct MessageRecord: Sendable, Equatable, Codable {
    package var message: Message
    package var deliveries: [Delivery]
    package var warnings: [String]
    package init(message: Message, deliveries: [Delivery], warnings: [String]) {
        self.message = message
        self.deliveries = deliveries
        self.warnings = warnings
    }
}

/// A claimed delivery and the message it carries.
package struct DeliveryJob: Sendable, Equatable {
    package var delivery: Delivery
    package var message: Message
    package init(delivery: Delivery, message: Message) {
        self.delivery = delivery
        self.message = message
    }
}

/// One delivery's outcome for `OutboxStore.finish(_:)`.
package struct DeliveryFinish: Sendable, Equatable {
    package var deliveryID: String
    package var outcome: DeliveryOutcome
    package var attempts: [DeliveryAttempt]
    package init(deliveryID: String, outcome: DeliveryOutcome, attempts: [DeliveryAttempt]) {
        self.deliveryID = deliveryID
        self.outcome = outcome
        self.attempts = attempts
    }
}

extension OutboxStore {
    /// One at a time: for stores without a batch path. Not all-or-none: a refusal part-way
    /// leaves the earlier submissions committed.
    package func accept(batch: [Submission]) async throws -> [Acceptance] {
        var acceptances: [Acceptance] = []
        for submission in batch { acceptances.append(try await accept(submission)) }
        return acceptances
    }

    /// One item at a time: for stores without a batch path. Not one transaction, so a store
    /// failure part-way leaves the earlier items recorded (each is still whole).
    package func finish(_ items: [DeliveryFinish]) async throws -> [Result<DeliveryStatus, SwitchboardError>] {
        var results: [Result<DeliveryStatus, SwitchboardError>] = []
        results.reserveCapacity(items.count)
        for item in items {
            do {
                let delivery = try await finish(deliveryID: item.deliveryID, outcome: item.outcome, attempts: item.attempts)
                results.append(.success(delivery.status))
            } catch let error as SwitchboardError {
                results.append(.failure(error))
            }
        }
        return results
    }
}

extension DeliveryOutcome {
    /// The status a delivery moves to with this outcome.
    package var status: DeliveryStatus {
        switch self {
        case .sent: .sent
        case .retry: .queued
        case .failed: .failed
        case .held: .held
        case .ignored: .ignored
        }
    }
}

/// How a dispatch attempt ended, as the store must record it.
package enum DeliveryOutcome: Sendable, Equatable {
    case sent(connector: String, receiptID: String?)
    /// Try again at `at`; the delivery goes back to `queued`.
    case retry(at: Date, connector: String?, error: String)
    case failed(connector: String?, error: String)
    case held(error: String)
    /// Never sent and never will be: packed away (another SMS carried the news) or autocancelled.
    case ignored(reason: String)
}
