import Synchronization

/// Leader batching, the mechanism behind group commit: callers hand in an item and wait;
/// whoever finds no batch running becomes the leader, runs `process` on everything handed in
/// so far, then on whatever arrived meanwhile, until nothing waits, and steps down. Each
/// caller gets its own outcome, only after the batch holding its item was processed, so a
/// batch of one costs what a direct call would, and under load the fixed cost of a batch
/// (a transaction, a flush) is shared. The outbox's `OutcomeRecorder` and the SQLite store's
/// group commit both stand on it.
///
/// The leader processes in a task of its own, which its cancellation does not reach: the
/// batch holds the others' items too. Otherwise GRDB throws `CancellationError` for a whole
/// group commit led by a cancelled task (a modem connector's tasks stopping as its link
/// closes), and a dispatcher's outcome in it is lost: its delivery, already sent, stays
/// `sending` and is sent again when its lease runs out. So an item handed in is processed
/// whatever becomes of its caller, as a follower's always was.
package final class LeaderBatcher<Item: Sendable, Outcome: Sendable>: Sendable {
    /// One item handed in, and its outcome once its batch was processed.
    final class Entry: @unchecked Sendable {
        // `outcome` and `waiter` are guarded by `lock`; `item` is immutable.
        let item: Item
        private let lock = Mutex<(outcome: Outcome?, waiter: CheckedContinuation<Void, Never>?)>((nil, nil))
        init(_ item: Item) { self.item = item }

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

    private let process: @Sendable ([Item]) async -> [Outcome]
    private let state = Mutex<(queue: [Entry], leading: Bool)>(([], false))

    /// - Parameter process: handles one batch and returns one outcome per item, in order.
    package init(_ process: @escaping @Sendable ([Item]) async -> [Outcome]) { self.process = process }

    /// Items handed in and not yet taken into a batch.
    package var waiting: Int { state.withLock { $0.queue.count } }

    /// Hands `item` in with whatever else waits; returns its outcome once its batch is done.
    package func submit(_ item: Item) async -> Outcome {
        let entry = Entry(item)
        let leader = state.withLock { s -> Bool in
            s.queue.append(entry)
            if s.leading { return false }
            s.leading = true
            return true
        }
        if leader { await Task { await self.lead() }.value }
        return await entry.wait()
    }

    /// Processes batches until nothing waits, then steps down.
    private func lead() async {
        while true {
            let batch = state.withLock { s -> [Entry] in
                let b = s.queue
                s.queue = []
                if b.isEmpty { s.leading = false }
                return b
            }
            if batch.isEmpty { return }
            let outcomes = await process(batch.map(\.item))
            precondition(outcomes.count == batch.count, "a batch must give one outcome per item")
            for (entry, outcome) in zip(batch, outcomes) { entry.complete(outcome) }
        }
    }
}
