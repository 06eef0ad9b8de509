import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How long the disk under the data directory takes to make a small write durable: what
/// every commit costs with `synchronous = FULL` (SQLite in WAL mode syncs the WAL once per
/// commit). Measured before the runs so the figures can be read against it.
enum DiskProbe {
    /// Appends 4 KiB and calls `fdatasync` `count` times in a scratch file in `directory`;
    /// returns the flush times in milliseconds.
    static func flushLatency(in directory: String, count: Int = 200) -> Percentiles? {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("switchboard-bench-flush-\(getpid())").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o600)
        guard fd >= 0 else { return nil }
        defer {
            close(fd)
            unlink(path)
        }
        let block = [UInt8](repeating: 0x2A, count: 4096)
        var times: [Double] = []
        times.reserveCapacity(count)
        for _ in 0..<count {
            guard block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == block.count else { return nil }
            let start = ContinuousClock.now
            guard fdatasync(fd) == 0 else { return nil }
            let elapsed = ContinuousClock.now - start
            times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
        }
        return Percentiles(milliseconds: times)
    }
}
