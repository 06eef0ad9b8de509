import GRDB
import SwitchboardCore

/// Group commit: concurrent writes share one transaction, and so one fsync.
///
/// With `synchronous = FULL` every commit waits for the disk, so one transaction per API call
/// caps the hub at the disk's flush rate. Here writes are batched by a `LeaderBatcher`: the
/// first writer to arrive runs every write queued so far in one transaction, each inside its
/// own savepoint (one failing write rolls back alone), then does the same for whatever queued
/// up meanwhile. Nobody is told "committed" before the commit returns, so durability is
/// unchanged; only the number of flushes falls as concurrency rises.
///
/// A write may ask not to be flushed (`durable: false`, a topic with `durability: commit`): a
/// batch of only such writes commits with `synchronous = NORMAL`, so its commit does not wait
/// for the disk; the next flushing commit or checkpoint carries it to disk. The writer
/// connection is put back to `FULL` right after, so no other write ever commits unflushed.
final class GroupCommit: Sendable {
    /// One queued write.
    struct Job: Sendable {
        let durable: Bool
        let perform: @Sendable (Database) throws -> any Sendable
    }

    private let batcher: LeaderBatcher<Job, Result<any Sendable, any Error>>

    /// - Parameter flushes: whether commits flush (`synchronous = FULL`), so that writes may opt out.
    init(writer: any DatabaseWriter, flushes: Bool) {
        batcher = LeaderBatcher { batch in await Self.commit(batch, writer, relaxed: flushes && !batch.contains(where: \.durable)) }
    }

    /// Runs `body` in a transaction shared with whatever other writes are waiting; with
    /// `durable: false` the commit may return before the disk has it (see above).
    func write<T: Sendable>(durable: Bool = true, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await batcher.submit(Job(durable: durable) { db in try body(db) }).get() as! T
    }

    private static func commit(_ batch: [Job], _ writer: any DatabaseWriter, relaxed: Bool) async -> [Result<any Sendable, any Error>] {
        do {
            return try await writer.writeWithoutTransaction { db in
                if relaxed { try db.execute(sql: "PRAGMA synchronous = NORMAL") }
                var results: [Result<any Sendable, any Error>] = []
                let committed = Result {
                    try db.inTransaction {
                        results = try run(batch, db)
                        return .commit
                    }
                }
                if relaxed { try db.execute(sql: "PRAGMA synchronous = FULL") }
                try committed.get()
                return results
            }
        } catch {
            // The commit itself failed (or a lone write did): nothing of this batch is on disk.
            return batch.map { _ in .failure(error) }
        }
    }

    /// Runs each write of a batch in its own savepoint (a lone write without one); a lone
    /// write's failure is thrown, rolling the transaction back.
    private static func run(_ batch: [Job], _ db: Database) throws -> [Result<any Sendable, any Error>] {
        if batch.count == 1 { return [.success(try batch[0].perform(db))] }
        var results: [Result<any Sendable, any Error>] = []
        results.reserveCapacity(batch.count)
        for job in batch {
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
        return results
    }
}
