import Foundation

extension OutboxDispatcher {
    /// What a claim allows: a send may start only before `freshUntil` (half the lease), so it
    /// never starts on a claim that may run out mid-way and be claimed and sent again by
    /// another round; an untried delivery is put back in the queue only before `putBackUntil`
    /// (three quarters of the lease), while no other round can have claimed it. Once the
    /// send has started, its `hold` keeps the claim (`ClaimHeartbeat` extends it): then the claim
    /// stays fresh for the rest of the round and may be put back until its outcome is recorded.
    struct ClaimWindow: Sendable {
        var freshUntil: Date
        var putBackUntil: Date
        /// The claims of the batch being dispatched, extended once its send starts.
        var hold: ClaimHeartbeat.Hold?
        /// Never stale (one-shot callers that hold no lease that matters).
        static let unbounded = ClaimWindow(freshUntil: .distantFuture, putBackUntil: .distantFuture)

        init(freshUntil: Date, putBackUntil: Date) {
            self.freshUntil = freshUntil
            self.putBackUntil = putBackUntil
        }

        init(claimedAt: Date, lease: TimeInterval) {
            self.init(freshUntil: claimedAt.addingTimeInterval(lease / 2), putBackUntil: claimedAt.addingTimeInterval(lease * 3 / 4))
        }

        /// Whether a send may start now.
        var isFresh: Bool { hold?.isSending == true || Date() < freshUntil }

        /// Whether an untried delivery may still be put back: no other round can have claimed it.
        var mayPutBack: Bool { hold?.isSending == true || Date() < putBackUntil }
    }
}
