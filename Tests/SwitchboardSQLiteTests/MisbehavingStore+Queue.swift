import Foundation
import SwitchboardCore

/// One deliberate bug in the queue operations each, so the queue checks can be shown to fail.
enum QueueFault: Sendable, Equatable {
    /// Lists by age alone, as a store ordering severity by its name (or not at all) would.
    case ignoreSeverity
    case cancelIgnoresAge, cancelIgnoresChannel
    /// Refuses a whole sweep when one row may not move, instead of skipping that row.
    case bulkRefusesIllegalRows
    /// Answers a cancel to a status that is not final with "none moved" instead of refusing it.
    case cancelToAnyStatus
    case forgetHistory, forgetActor
    case deadLettersOldestFirst
    /// Requeues deliveries an hour late, so they are not claimable at once.
    case requeueLate
    case swallowSetStatusErrors
    case dropAddedDeliveries, releaseNothing, receiptsNeverFound
    /// Pages dead letters by change time alone, so rows tied with the cursor's are skipped.
    case pagingSkipsTies
    /// Answers every page of recipients from the top, as a store ignoring the cursor would.
    case pagingIgnoresCursor
}

/// The queue operations, forwarded, with the fault (if any) applied.
extension MisbehavingStore {
    private var queueFault: QueueFault? {
        if case .queue(let fault) = fault { return fault }
        return nil
    }

    func pendingRecipients(channel: ChannelName?, limit: Int, after cursor: String?) async throws -> RecipientPage {
        var page = try await base.pendingRecipients(channel: channel, limit: queueFault == .ignoreSeverity ? 10_000 : limit, after: cursor)
        if queueFault == .ignoreSeverity { page.recipients = Array(page.recipients.sorted { $0.oldest < $1.oldest }.prefix(limit)) }
        if queueFault == .pagingIgnoresCursor { return try await base.pendingRecipients(channel: channel, limit: limit, after: nil) }
        return page
    }

    func pending(address: Address, limit: Int) async throws -> [DeliveryJob] {
        let jobs = try await base.pending(address: address, limit: limit)
        return queueFault == .ignoreSeverity ? jobs.sorted { $0.delivery.createdAt < $1.delivery.createdAt } : jobs
    }

    func cancelPending(
        createdBefore before: Date,
        channel: ChannelName?,
        status: DeliveryStatus,
        reason: String,
        by actor: String
    ) async throws -> Int {
        if queueFault == .cancelToAnyStatus && !status.isFinal { return 0 }
        if queueFault == .bulkRefusesIllegalRows && status == .failed {
            throw SwitchboardError.conflict("illegal_transition", "a queued delivery cannot move to failed")
        }
        return try await base.cancelPending(
            createdBefore: queueFault == .cancelIgnoresAge ? .distantFuture : before,
            channel: queueFault == .cancelIgnoresChannel ? nil : channel,
            status: status,
            reason: reason,
            by: actor
        )
    }

    func deliveries(status: DeliveryStatus, limit: Int, after cursor: String?) async throws -> DeliveryPage {
        if queueFault == .pagingSkipsTies, let text = cursor {
            let place = try DeliveryCursor(parsing: text)
            return try await base.deliveries(status: status, limit: limit, after: DeliveryCursor(time: place.time, seq: 1).text)
        }
        guard queueFault == .deadLettersOldestFirst else { return try await base.deliveries(status: status, limit: limit, after: cursor) }
        let all = try await base.deliveries(status: status, limit: 10_000, after: nil).deliveries
        return DeliveryPage(deliveries: Array(all.reversed().prefix(limit)), nextCursor: nil)
    }

    func messageWithoutDeliveries(id: String) async throws -> MessageRecord? { try await base.messageWithoutDeliveries(id: id) }

    func deliveries(messageID: String, limit: Int, after cursor: String?) async throws -> DeliveryPage {
        try await base.deliveries(messageID: messageID, limit: limit, after: cursor)
    }

    func deliveryCounts(messageID: String) async throws -> [DeliveryStatus: Int] { try await base.deliveryCounts(messageID: messageID) }

    func requeue(ids: [String]?, status: DeliveryStatus, reason: String, by actor: String, now: Date) async throws -> Int {
        try await base.requeue(ids: ids, status: status, reason: reason, by: actor, now: queueFault == .requeueLate ? now + 3600 : now)
    }

    func setStatus(deliveryID: String, to status: DeliveryStatus, reason: String, by actor: String, now: Date) async throws -> Delivery {
        do {
            return try await base.setStatus(deliveryID: deliveryID, to: status, reason: reason, by: actor, now: now)
        } catch let error as SwitchboardError where queueFault == .swallowSetStatusErrors && error.kind == .conflict {
            return Delivery(id: deliveryID, messageID: "?", address: .sms("+4712345678"), channel: .sms, status: status)
        }
    }

    func statusChanges(deliveryID: String) async throws -> [StatusChange] {
        switch queueFault {
        case .forgetHistory: return []
        case .forgetActor:
            return try await base.statusChanges(deliveryID: deliveryID).map {
                var c = $0
                c.actor = "system"
                return c
            }
        default: return try await base.statusChanges(deliveryID: deliveryID)
        }
    }

    func addDeliveries(_ deliveries: [Delivery]) async throws {
        guard queueFault != .dropAddedDeliveries else { return }
        try await base.addDeliveries(deliveries)
    }

    func releaseClaims(now: Date) async throws -> Int {
        queueFault == .releaseNothing ? 0 : try await base.releaseClaims(now: now)
    }

    func delivery(id: String) async throws -> Delivery? { try await base.delivery(id: id) }

    func delivery(connector: String, receiptID: String) async throws -> Delivery? {
        queueFault == .receiptsNeverFound ? nil : try await base.delivery(connector: connector, receiptID: receiptID)
    }
}
