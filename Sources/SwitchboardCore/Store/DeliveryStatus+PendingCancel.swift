import Foundation

extension DeliveryStatus {
    /// The pending statuses a bulk cancel to `status` (`QueueStore.cancelPending`) moves:
    /// `queued` and `held`, each only where the move is allowed (a held delivery may be failed,
    /// a queued one never fails untried), so a sweep skips what may not move instead of
    /// refusing it all. A cancel ends deliveries: a status that is not final is
    /// `invalid/invalid_status`. Every store asks here, so they refuse and skip alike.
    package static func cancellablePending(to status: DeliveryStatus) throws(SwitchboardError) -> [DeliveryStatus] {
        guard status.isFinal else {
            throw SwitchboardError.invalid("invalid_status", "pending deliveries can only be cancelled to a final status, not \(status.rawValue)")
        }
        return [DeliveryStatus.queued, .held].filter { $0.canMove(to: status) }
    }
}
