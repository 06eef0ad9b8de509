import Foundation

// A conversation turn's replies claimed in the turn's own transaction and sent from memory
// (`ReplyClaim`, `ReplyHandOff`): one writer transaction and one flush less per turn. They
// take the same path as a claim round's deliveries — the `ClaimWindow` checks, the
// `ClaimHeartbeat`, the worker and unrecorded permits, the connector's gate — and a send that
// fails goes back through the ordinary outcome (retry, failover, held, failed).
extension OutboxDispatcher: TurnReplyDispatch {
    package func claimForTurn(_ deliveries: [Delivery]) -> ReplyClaim? {
        guard !isStopping else { return nil }
        let ids = deliveries.filter { delivery in
            // Only replies pinned to a connector this node runs: never packed with others, and
            // no other node's to send.
            guard delivery.status == .queued, let pinned = delivery.pinnedConnector else { return false }
            return connectors[pinned] != nil && owners.runsHere(pinned)
        }.map(\.id)
        guard !ids.isEmpty, handOffs.reserve(ids.count) else { return nil }
        let at = Date()
        return ReplyClaim(deliveryIDs: Set(ids), at: at, leaseUntil: at.addingTimeInterval(configuration.lease))
    }

    package func release(_ claim: ReplyClaim) {
        handOffs.release(claim.deliveryIDs.count)
    }

    package func handOff(_ acceptances: [Acceptance], claimed claim: ReplyClaim) async {
        var jobs: [DeliveryJob] = []
        for acceptance in acceptances where !acceptance.replayed {
            for delivery in acceptance.record.deliveries where delivery.status == .sending && claim.deliveryIDs.contains(delivery.id) {
                jobs.append(DeliveryJob(delivery: delivery, message: acceptance.record.message))
            }
        }
        // A replayed reply, or a store that queued instead of claiming: not ours to send.
        handOffs.release(claim.deliveryIDs.count - jobs.count)
        guard !jobs.isEmpty else { return }
        if handOffs.send(ReplyHandOff.Handed(jobs: jobs, claimedAt: claim.at)) { return }
        // The dispatcher stopped between the claim and the commit: due again at once, untried.
        await putBack(jobs, claim: ClaimWindow(claimedAt: claim.at, lease: configuration.lease), why: "the dispatcher stopped before sending")
        handOffs.release(jobs.count)
    }

    /// Sends what turns hand over until the hand-off ends (`stop()`), then waits for those
    /// sends. Runs beside the claim loop in `run()`.
    func sendHandedOff() async {
        handOffs.open()
        defer { handOffs.close() }
        await withDiscardingTaskGroup { group in
            for await handed in handOffs.stream {
                group.addTask {
                    await self.dispatch(claimed: handed.jobs, at: handed.claimedAt)
                    self.handOffs.release(handed.jobs.count)
                }
            }
        }
    }
}
