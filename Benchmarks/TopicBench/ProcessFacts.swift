import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What the process uses, from `/proc` (Linux).
enum CPUTime {
    /// The benchmark's own client threads are named with this prefix, so their CPU can be
    /// told from the server's.
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

    /// CPU seconds all processes on the machine used since boot (everything but idle and iowait).
    static func machineBusy() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return 0 }
        let v = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard v.count >= 8 else { return 0 }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (ticks > 0 ? ticks : 100)
    }
}

enum Memory {
    /// Resident bytes of a process (`VmRSS`), this one by default.
    static func resident(pid: String = "self") -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }

    /// Returns freed heap pages to the system, so resident memory measures what is in use.
    static func trim() {
        // `malloc_trim` is glibc's and not in the Glibc module: look it up.
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }
}

enum FileLimit {
    /// Raises the open-file limit to the hard limit; returns it.
    @discardableResult
    static func raise() -> Int {
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        return Int(limit.rlim_cur)
    }
}
