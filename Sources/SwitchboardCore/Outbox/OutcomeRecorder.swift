import Foundation
import Logging
import Metrics

/// Writes the dispatcher's outcomes in batches: every worker hands its outcome in and waits
/// (a `LeaderBatcher`); whoever finds no write running records everything handed in so far
/// with one `OutboxStore.finish(_:)` (one transaction, one flush), then what arrived meanwhile,
/// until nothing waits. A worker is told its outcome is recorded only after that transaction
/// committed, so nothing changes about durability; only the number of transactions falls as
/// the load rises.
final class OutcomeRecorder: Sendable {
    /// The new status, or why it could not be recorded (`store`: the whole batch failed).
    enum Outcome: Sendable {
        case recorded(DeliveryStatus)
        case refused(SwitchboardError)
        case storeFailed(String)
    }

    private let batcher: LeaderBatcher<DeliveryFinish, Outcome>

    init(store: any OutboxStore, logger: Logger) {
        // One counter per status, made once: looking a counter up per delivery costs a lock and a hash.
        let counters = Dictionary(
            uniqueKeysWithValues: DeliveryStatus.allCases.map { status in
                (status, Counter(label: "switchboard_deliveries_total", dimensions: [("status", status.rawValue)]))
            }
        )
        batcher = LeaderBatcher { batch in await Self.write(batch, store, logger, counters) }
    }

    /// Records `item` together with whatever else is waiting; returns once it is committed.
    ///
    /// The write runs in a task of its own, which the caller's cancellation does not reach
    /// (as swift-jobs records a cancelled job's outcome): the store's async writes stop on
    /// cancellation, and a send a gateway already took must never stay `sending` because
    /// the hub was shutting down. The caller still waits for the commit. `LeaderBatcher`
    /// gives that already (its leader writes in a task of its own, and a waiting caller's
    /// cancellation is not heard), so no task is made per outcome here: one was, and with its
    /// two hops between threads it cost more than the outcome's share of the commit.
    @discardableResult
    func record(_ item: DeliveryFinish) async -> Outcome {
        await batcher.submit(item)
    }

    private static func write(
        _ batch: [DeliveryFinish],
        _ store: any OutboxStore,
        _ logger: Logger,
        _ counters: [DeliveryStatus: Counter]
    ) async -> [Outcome] {
        do {
            let results = try await store.finish(batch)
            guard results.count == batch.count else {
                throw SwitchboardError(.internal, code: "store_contract", "the store answered \(results.count) of \(batch.count) outcomes")
            }
            return zip(batch, results).map { item, result in
                switch result {
                case .success(let status):
                    counters[status]?.increment()
                    return .recorded(status)
                case .failure(let error):
                    logger.error("recording a delivery outcome was refused", metadata: ["delivery": "\(item.deliveryID)", "error": "\(error)"])
                    return .refused(error)
                }
            }
        } catch {
            // Nothing of the batch is recorded; the claims' leases bring the deliveries back.
            logger.error("recording delivery outcomes failed", metadata: ["count": "\(batch.count)", "error": "\(error)"])
            return batch.map { _ in .storeFailed("\(error)") }
        }
    }
}
