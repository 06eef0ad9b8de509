import BenchmarkSupport
import Foundation
import Synchronization

/// The least time a write that is flushed before it is answered can take on this disk: a
/// writer thread appends whatever has arrived and calls `fdatasync` (a group commit with no
/// database and no hub), fed at a steady rate. A p99 below this is out of any server's reach
/// with `durability: flush`; the difference is what the hub adds.
enum DiskFloor {
    struct Result { var writes: Int, perSecond: Int, p50: Double, p99: Double, max: Double }

    static func measure(directory: String, perSecond: Int, writes: Int) async throws -> Result {
        let path = directory + "/disk-floor.probe"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw BenchFailure("cannot open \(path)") }
        defer {
            close(fd)
            unlink(path)
        }
        let arrived = Atomic<Int>(0)
        let arrivals = Mutex([UInt64](repeating: 0, count: writes))
        let done = Mutex([UInt64](repeating: 0, count: writes))
        let record = [UInt8](repeating: 0x78, count: 200)
        let writer = Thread {
            var flushed = 0
            while flushed < writes {
                let upTo = arrived.load(ordering: .acquiring)
                if upTo == flushed {
                    usleep(50)
                    continue
                }
                for _ in flushed..<upTo { _ = record.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
                fdatasync(fd)
                let t = nowNanos()
                done.withLock { for i in flushed..<upTo { $0[i] = t } }
                flushed = upTo
            }
        }
        writer.start()
        let start = ContinuousClock.now
        for i in 0..<writes {
            try await Task.sleep(until: start + .nanoseconds(Int64(i) * 1_000_000_000 / Int64(perSecond)), tolerance: .zero, clock: .continuous)
            arrivals.withLock { $0[i] = nowNanos() }
            arrived.store(i + 1, ordering: .releasing)
        }
        try await Wait.until("the disk floor probe") { done.withLock { $0[writes - 1] != 0 } }
        let a = arrivals.withLock { $0 }
        let d = done.withLock { $0 }
        let latencies = zip(a, d).map { Double($1 - $0) / 1e6 }.sorted()
        return Result(writes: writes, perSecond: perSecond, p50: latencies[writes / 2], p99: latencies[writes * 99 / 100], max: latencies[writes - 1])
    }
}
