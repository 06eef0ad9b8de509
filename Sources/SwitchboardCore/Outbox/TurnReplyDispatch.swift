import Foundation

/// What the conversation engine needs of a dispatcher to send a turn's replies without a
/// claim round of their own: a claim to commit with the turn (`ReplyClaim`), and the send
/// path for what the commit stored claimed. `OutboxDispatcher` is the one implementation;
/// tests give their own to stand for a node that dies between the commit and the send.
package protocol TurnReplyDispatch: Sendable {
    /// The claim a turn about to commit may take on `deliveries` (its replies' deliveries), or
    /// `nil` when they should be queued for an ordinary claim (the dispatcher is not running
    /// or is stopping, a connector runs on another node, too many hand-offs are under way).
    func claimForTurn(_ deliveries: [Delivery]) -> ReplyClaim?
    /// The turn did not commit: the claim's room is given back.
    func release(_ claim: ReplyClaim)
    /// The turn committed: sends what `acceptances` show stored claimed under `claim`.
    func handOff(_ acceptances: [Acceptance], claimed claim: ReplyClaim) async
}
