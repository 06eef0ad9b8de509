import Foundation

/// Replies a conversation turn commits already claimed by this node's dispatcher.
///
/// A reply queued by a turn and then claimed by the dispatcher costs a second writer
/// transaction and a second flush on the party's path. With a `ReplyClaim` the turn's own
/// transaction stores the named deliveries `sending` until `leaseUntil`, exactly as a claim
/// round would have left them, and the dispatcher sends them from memory. A node that dies
/// between the commit and the send leaves an ordinary claim: once its lease runs out the next
/// claim round (here after a restart, or on another node) takes it.
package struct ReplyClaim: Sendable, Equatable {
    /// The deliveries claimed; any other delivery of the turn's replies is queued as usual.
    package var deliveryIDs: Set<String>
    /// When the claim was taken: the dispatcher's `ClaimWindow` counts from here.
    package var at: Date
    /// Until when no other claim may take them.
    package var leaseUntil: Date

    package init(deliveryIDs: Set<String>, at: Date, leaseUntil: Date) {
        self.deliveryIDs = deliveryIDs
        self.at = at
        self.leaseUntil = leaseUntil
    }

    /// `submission` with the deliveries named here that are still queued marked `sending` as
    /// of `at`; a store writes `leaseUntil` as the lease of every `sending` delivery it inserts.
    package func apply(to submission: Submission) -> Submission {
        var claimed = submission
        for index in claimed.deliveries.indices
        where claimed.deliveries[index].status == .queued && deliveryIDs.contains(claimed.deliveries[index].id) {
            claimed.deliveries[index].status = .sending
            claimed.deliveries[index].updatedAt = at
        }
        return claimed
    }
}
