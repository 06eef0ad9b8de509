import Foundation
import GRDB

/// Copies the write-ahead log back into the database file on a connection of its own, off
/// the commit path.
///
/// SQLite's automatic checkpoint runs inside whichever commit crosses the threshold, so one
/// unlucky API call waits while a thousand pages are copied and the file is flushed. Here the
/// writer's automatic checkpoint is set far out (a backstop only), and a passive checkpoint
/// runs every `interval` on a separate connection: it never blocks the writer or readers,
/// and it runs often (100 ms) so each checkpoint flushes little: a big one made the next
/// commits wait on the file system for 100-600 ms, on this machine the cause of p99 stalls,
/// and pages written many times between two checkpoints are copied once. Durability is
/// unchanged: a commit is durable once it is in the log, which is flushed at every commit.
final class Checkpointer: Sendable {
    /// The writer's own automatic checkpoint, in pages: reached only if this one falls behind.
    static let backstopPages = 20_000

    private let task: Task<Void, Never>

    init(path: String, interval: Duration = .milliseconds(100), busyTimeout: TimeInterval) throws {
        var config = GRDB.Configuration()
        config.label = "switchboard-checkpoint"
        config.busyMode = .timeout(busyTimeout)
        let connection = try DatabaseQueue(path: path, configuration: config)
        task = Task.detached(priority: .utility) {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                // A busy or failed checkpoint is simply tried again next time.
                // The async form: the checkpoint's flush waits on GRDB's queue, never on a
                // thread of the cooperative pool (two on this machine).
                try? await connection.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)")
                }
            }
        }
    }

    deinit { task.cancel() }
}
