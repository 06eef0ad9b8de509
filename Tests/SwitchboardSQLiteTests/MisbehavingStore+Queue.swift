import Foundation
import SwitchboardCore

/// The queue operations, forwarded; faults for them are added as the checks need them.
extension MisbehavingStore {
    func pendingRecipients(channel: ChannelName?) async throws -> [PendingRecipient] { try await base.pendingRecipients(channel: channel) }
    func pending(address: Address) async throws -> [DeliveryJob] { try await base.pending(address: address) }
    func cancelPending(createdBefore before: Date, channel: ChannelName?, status: DeliveryStatus, reason: String, by actor: String) async throws -> Int {
        try await base.cancelPending(createdBefore: before, channel: channel, status: status, reason: reason, by: actor)
    }
    func deliveries(status: DeliveryStatus, limit: Int) async throws -> [Delivery] { try await base.deliveries(status: status, limit: limit) }
    func requeue(ids: [String]?, status: DeliveryStatus, reason: String, by actor: String, now: Date) async throws -> Int {
        try await base.requeue(ids: ids, status: status, reason: reason, by: actor, now: now)
    }
    func setStatus(deliveryID: String, to status: DeliveryStatus, reason: String, by actor: String, now: Date) async throws -> Delivery {
        try await base.setStatus(deliveryID: deliveryID, to: status, reason: reason, by: actor, now: now)
    }
    func statusChanges(deliveryID: String) async throws -> [StatusChange] { try await base.statusChanges(deliveryID: deliveryID) }
    func addDeliveries(_ deliveries: [Delivery]) async throws { try await base.addDeliveries(deliveries) }
    func releaseClaims(now: Date) async throws -> Int { try await base.releaseClaims(now: now) }
    func delivery(id: String) async throws -> Delivery? { try await base.delivery(id: id) }
    func delivery(connector: String, receiptID: String) async throws -> Delivery? { try await base.delivery(connector: connector, receiptID: receiptID) }
}
