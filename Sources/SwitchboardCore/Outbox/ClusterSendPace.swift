import Foundation
import Logging

/// A connector's `throughput` kept for the whole cluster: each send takes the next slot of one
/// sequence shared through the store (`SharedSendSlots`), evenly spaced `1 / throughput`
/// seconds apart, so the nodes' sends together stay within the limit in any window.
///
/// Sends that wait at the same time share one round trip: the first becomes the leader and
/// reserves a slot for everyone waiting (`LeaderBatcher`), so under load a node pays one
/// statement per batch, not per send; when idle, a send reserves only its own slot, and no
/// slot is held back from the other nodes. A slot is placed on this node's clock from when the
/// answer arrived, so it is never early. When the store cannot be reached the gate falls back
/// to pacing this node alone (logged): sends slow down but do not stop.
package final class ClusterSendPace: Sendable {
    package let connector: String
    /// Seconds between two sends of the cluster.
    package let interval: TimeInterval
    private let batcher: LeaderBatcher<Int, ContinuousClock.Instant?>

    package init(connector: String, throughput: Double, slots: any SharedSendSlots, logger: Logger) {
        let interval = 1 / throughput
        self.connector = connector
        self.interval = interval
        self.batcher = LeaderBatcher { items in
            do {
                let first = try await slots.reserveSendSlots(connector: connector, count: items.count, interval: interval)
                let start = ContinuousClock.now + .seconds(max(0, first))
                return items.indices.map { start + .seconds(interval * Double($0)) }
            } catch {
                logger.warning(
                    "reserving send slots shared by the cluster failed; pacing this node alone",
                    metadata: ["connector": "\(connector)", "error": "\(error)"]
                )
                return items.map { _ in nil }
            }
        }
    }

    /// When this node's next send may start; nil when the store could not be asked.
    package func nextSlot() async -> ContinuousClock.Instant? {
        await batcher.submit(1)
    }
}
