import Foundation
import GRDB
import ServiceLifecycle
import Synchronization

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
///
/// A `Service`: `serve` puts it first in its service group, so a graceful shutdown stops it
/// last, after the HTTP server, the connectors and the dispatcher have made their last
/// writes; it then checkpoints once more, leaving the database file whole. Where no service
/// group runs (the CLI's one-shot commands, tests) the writer's backstop checkpoints instead.
package final class Checkpointer: Service, Sendable {
    /// The writer's own automatic checkpoint, in pages: reached only if this one falls behind.
    static let backstopPages = 20_000

    private let connection: DatabaseQueue
    private let interval: Duration
    /// The last checkpoint's frames in the log and frames copied back (SQLite's answer).
    private let last = Mutex<(log: Int, copied: Int)?>(nil)

    init(path: String, interval: Duration = .milliseconds(100), busyTimeout: TimeInterval) throws {
        var config = GRDB.Configuration()
        config.label = "switchboard-checkpoint"
        config.busyMode = .timeout(busyTimeout)
        connection = try DatabaseQueue(path: path, configuration: config)
        self.interval = interval
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while true {
                do { try await Task.sleep(for: self.interval) } catch { return }
                await self.checkpoint()
            }
        }
        // The services stopped before this one made their last writes: copy them back.
        await checkpoint()
    }

    /// One passive checkpoint; a busy or failed one is simply tried again next time.
    /// The async form: the checkpoint's flush waits on GRDB's queue, never on a thread of
    /// the cooperative pool (two on this machine).
    func checkpoint() async {
        let result = try? await connection.writeWithoutTransaction { db in
            try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
        }
        if let row = result ?? nil {
            let log: Int = row[1]
            let copied: Int = row[2]
            last.withLock { $0 = (log, copied) }
        }
    }

    /// What the last checkpoint found in the log and copied back, for tests.
    var lastCheckpoint: (log: Int, copied: Int)? { last.withLock { $0 } }
}
