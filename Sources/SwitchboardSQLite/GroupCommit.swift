import GRDB
import Synchronization

/// Group commit: concurrent writes share one transaction, and so one fsync.
///
/// With `synchronous = FULL` every commit waits for the disk, so one transaction per API call
/// caps the hub at the disk's flush rate. Here the first writer to arrive becomes the leader:
/// it takes every write queued so far and runs them in one transaction, each inside its own
/// savepoint (one failing write rolls back alone), then does the same for whatever queued up
/// meanwhile, until the queue is empty. Nobody is told "committed" before the commit returns,
/// so durability is unchanged; only the number of flushes falls as concurrency rises.
///
/// A write may ask not to be flushed (`durable: false`, a topic with `durability: commit`): a
/// batch of only such writes commits with `synchronous = NORMAL`, so its commit does not wait
/// for the disk; the next flushing commit or checkpoint carries it to disk. The writer
/// connection is put back to `FULL` right after, so no other write ever commits unflushed.
final class GroupCommit: Sendable {
    /// One queued write and its outcome.
    final class Job: @unchecked Sendable {
        // `result` and `waiter` are guarded by `lock`; `perform` is immutable.
        let perform: @Sendable (Database) throws -> any Sendable
        let durable: Bool
        private let lock = Mutex<(result: Result<any Sendable, any Error>?, waiter: CheckedContinuation<Void, Never>?)>((nil, nil))
        init(durable: Bool, _ perform: @escaping @Sendable (Database) throws -> any Sendable) { self.durable = durable; self.perform = perform }

        func complete(_ result: Result<any Sendable, any Error>) {
            let waiter = lock.withLock { s -> CheckedContinuation<Void, Never>? in
                s.result = result
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume()
        }

        func wait() async -> Result<any Sendable, any Error> {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let done = lock.withLock { s -> Bool in
                    if s.result != nil { return true }
                    s.waiter = c
                    return false
                }
                if done { c.resume() }
            }
            return lock.withLock { $0.result! }
        }
    }

    let writer: any DatabaseWriter
    /// Whether commits flush (`synchronous = FULL`), so that writes may opt out.
    let flushes: Bool
    private let state = Mutex<(queue: [Job], leading: Bool)>(([], false))

    init(writer: any DatabaseWriter, flushes: Bool) { self.writer = writer; self.flushes = flushes }

    /// Runs `body` in a transaction shared with whatever other writes are waiting; with
    /// `durable: false` the commit may return before the disk has it (see above).
    func write<T: Sendable>(durable: Bool = true, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let job = Job(durable: durable) { db in try body(db) }
        let leader = state.withLock { s -> Bool in
            s.queue.append(job)
            if s.leading { return false }
            s.leading = true
            return true
        }
        if leader { await lead() }
        return try await job.wait().get() as! T
    }

    /// Commits batches until no write is waiting, then steps down.
    private func lead() async {
        while true {
            let batch = state.withLock { s -> [Job] in
                let b = s.queue
                s.queue = []
                if b.isEmpty { s.leading = false }
                return b
            }
            if batch.isEmpty { return }
            await commit(batch)
        }
    }

    private func commit(_ batch: [Job]) async {
        let outcomes = Mutex<[Result<any Sendable, any Error>]>([])
        let relaxed = flushes && !batch.contains(where: \.durable)
        do {
            try await writer.writeWithoutTransaction { db in
                if relaxed { try db.execute(sql: "PRAGMA synchronous = NORMAL") }
                let committed = Result {
                    try db.inTransaction {
                        let results = try Self.run(batch, db)
                        outcomes.withLock { $0 = results }
                        return .commit
                    }
                }
                if relaxed { try db.execute(sql: "PRAGMA synchronous = FULL") }
                try committed.get()
            }
        } catch {
            // The commit itself failed (or a lone write did): nothing of this batch is on disk.
            for job in batch { job.complete(.failure(error)) }
            return
        }
        let results = outcomes.withLock { $0 }
        for (job, result) in zip(batch, results) { job.complete(result) }
    }

    /// Runs each write of a batch in its own savepoint (a lone write without one); a lone
    /// write's failure is thrown, rolling the transaction back.
    private static func run(_ batch: [Job], _ db: Database) throws -> [Result<any Sendable, any Error>] {
        var results: [Result<any Sendable, any Error>] = []
        results.reserveCapacity(batch.count)
        for job in batch {
            if batch.count == 1 {
                results.append(Result { try job.perform(db) })
                continue
            }
            var value: (any Sendable)?
            do {
                try db.inSavepoint {
                    value = try job.perform(db)
                    return .commit
                }
                results.append(.success(value!))
            } catch {
                results.append(.failure(error))
            }
        }
        // A lone write that failed rolls the transaction back, as it always did.
        if batch.count == 1, case .failure(let error) = results[0] { throw error }
        return results
    }
}
