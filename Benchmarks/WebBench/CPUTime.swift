import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The server's CPU time, from `/proc` (Linux): as in the topic benchmark, the bench's own
/// client thread is named with a prefix so its CPU can be told from the server's.
enum CPUTime {
    static let clientThreadPrefix = "benchcli-"

    /// User + system CPU seconds of every thread of this process except the client threads.
    static func server() -> Double {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var total = 0.0
        for tid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? [] {
            guard let comm = try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8),
                !comm.hasPrefix(clientThreadPrefix),
                let stat = try? String(contentsOfFile: "/proc/self/task/\(tid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            total += (user + system) / (ticks > 0 ? ticks : 100)
        }
        return total
    }
}
