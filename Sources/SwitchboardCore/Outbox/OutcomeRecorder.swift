import Foundation
import Logging
import Metrics
import Synchronization

/// Writes the dispatcher's outcomes in batches: every worker hands its outcome in and waits,
/// and whoever finds no write running becomes the writer. It takes everything handed in so
/// far and records it with one `OutboxStore.finish(_:)` (one transaction, one flush), then
/// does the same for what arrived meanwhile, until nothing waits. A worker is told its
/// outcome is recorded only after that transaction committed, so nothing changes about
/// durability; only the number of transactions falls as the load rises.
final class OutcomeRecorder: Sendable {
    /// One outcome handed in, and what became of it.
    final class Entry: @unchecked Sendable {
        // `outcome` and `waiter` are guarded by `lock`; `item` is immutable.
        let item: DeliveryFinish
        private let lock = Mutex<(outcome: Outcome?, waiter: CheckedContinuation<Void, Never>?)>((nil, nil))
        init(_ item: DeliveryFinish) { self.item = item }

        func complete(_ outcome: Outcome) {
            let waiter = lock.withLock { s -> CheckedContinuation<Void, Never>? in
                s.outcome = outcome
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume()
        }

        func wait() async -> Outcome {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let done = lock.withLock { s -> Bool in
                    if s.outcome != nil { return true }
                    s.waiter = c
                    return false
                }
                if done { c.resume() }
            }
            return lock.withLock { $0.outcome! }
        }
    }

    /// The new status, or why it could not be recorded (`store`: the whole batch failed).
    enum Outcome: Sendable {
        case recorded(DeliveryStatus)
        case refused(SwitchboardError)
        case storeFailed(String)
    }

    let store: any OutboxStore
    let logger: Logger
    private let state = Mutex<(pending: [Entry], writing: Bool)>(([], false))
    /// One counter per status, made once: looking a counter up per delivery costs a lock and a hash.
    private let counters: [DeliveryStatus: Counter]

    init(store: any OutboxStore, logger: Logger) {
        self.store = store
        self.logger = logger
        counters = Dictionary(uniqueKeysWithValues: DeliveryStatus.allCases.map { status in
            (status, Counter(label: "switchboard_deliveries_total", dimensions: [("status", status.rawValue)]))
        })
    }

    /// Records `item` together with whatever else is waiting; returns once it is committed.
    @discardableResult
    func record(_ item: DeliveryFinish) async -> Outcome {
        let entry = Entry(item)
        let writer = state.withLock { s -> Bool in
            s.pending.append(entry)
            if s.writing { return false }
            s.writing = true
            return true
        }
        if writer { await write() }
        return await entry.wait()
    }

    private func write() async {
        while true {
            let batch = state.withLock { s -> [Entry] in
                let b = s.pending
                s.pending = []
                if b.isEmpty { s.writing = false }
                return b
            }
            if batch.isEmpty { return }
            do {
                let results = try await store.finish(batch.map(\.item))
                for (entry, result) in zip(batch, results) {
                    switch result {
                    case .success(let status):
                        counters[status]?.increment()
                        entry.complete(.recorded(status))
                    case .failure(let error):
                        logger.error("recording a delivery outcome was refused", metadata: [
                            "delivery": "\(entry.item.deliveryID)", "error": "\(error)"])
                        entry.complete(.refused(error))
                    }
                }
            } catch {
                // Nothing of the batch is recorded; the claims' leases bring the deliveries back.
                logger.error("recording delivery outcomes failed", metadata: ["count": "\(batch.count)", "error": "\(error)"])
                for entry in batch { entry.complete(.storeFailed("\(error)")) }
            }
        }
    }
}
