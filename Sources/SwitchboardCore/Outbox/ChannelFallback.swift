import Foundation
import Logging

/// What happens after a delivery failed for good, wherever that was decided: the dispatcher
/// giving up (a permanent error, or retries spent) or a gateway's delivery report saying the
/// network gave up (Kannel's DLR 2 or 16). On a channel with a `fallback`, the message is
/// tried again at every address the recipient's contacts have on that channel.
///
/// Why one place: the outcome "failed" must mean the same thing however it was learnt; a
/// failed report that did not fall back would leave a person unreached whom the same failure
/// at send time would have reached by email.
struct ChannelFallback: Sendable {
    let store: any HubStore
    let channels: [ChannelName: ChannelSettings]
    let logger: Logger

    /// Adds the fallback deliveries for `delivery` to its message; returns them (none when the
    /// channel has no fallback, the contacts have no address there, or each already has one).
    /// Failures are logged: the failed delivery itself is already recorded.
    @discardableResult
    func fallBack(from delivery: Delivery) async -> [Delivery] {
        guard let target = channels[delivery.channel]?.fallback else { return [] }
        do {
            let existing = Set(try await store.message(id: delivery.messageID)?.deliveries.map(\.address) ?? [])
            var addresses: [Address] = []
            for contact in try await store.contacts(withAddress: delivery.address) {
                for a in contact.addresses where a.channel == target && !existing.contains(a) && !addresses.contains(a) { addresses.append(a) }
            }
            guard !addresses.isEmpty else { return [] }
            let now = Date()
            let linked = addresses.map { Delivery(messageID: delivery.messageID, address: $0, channel: target, createdAt: now) }
            try await store.addDeliveries(linked)
            logger.info(
                "fell back to another channel",
                metadata: [
                    "delivery": "\(delivery.id)", "channel": "\(target)", "deliveries": "\(linked.map(\.id).joined(separator: ","))",
                ]
            )
            return linked
        } catch {
            logger.error("channel fallback failed", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
            return []
        }
    }
}
