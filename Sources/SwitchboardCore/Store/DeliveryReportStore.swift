import Foundation

/// Delivery reports that do not move a delivery (the gateway buffered it, the SMSC took it)
/// are still worth keeping: they show how far a message got when someone asks why it has
/// not arrived.
package protocol DeliveryReportStore: Sendable {
    /// Adds `reason` to the delivery's status history without changing its status: a
    /// `StatusChange` whose `from` and `to` are both `status`, if the delivery is still in
    /// `status` (checked in the same transaction, so a report that lost a race to a final one
    /// records nothing). Returns the delivery as it is; `notFound/unknown_delivery` for an unknown id.
    func noteStatus(deliveryID: String, ifStatus status: DeliveryStatus, reason: String, by actor: String, now: Date) async throws -> Delivery
}
