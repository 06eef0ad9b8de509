import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What processes use, from `/proc` (Linux; elsewhere the figures are 0): the benches report
/// CPU per message and memory per connection, so they read the kernel's own counters rather
/// than guess from wall time.
public enum ProcessFacts {
    /// The benches name their own client threads with this prefix, so that their CPU can be
    /// told from the server's when both run in one process.
    public static let clientThreadPrefix = "benchcli-"

    public static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// Resident bytes (`VmRSS`) of a process, this one by default.
    public static func resident(pid: String = "self") -> Int { statusKiB("VmRSS", pid: pid) * 1024 }

    /// The kernel's high-water mark of resident bytes (`VmHWM`), so a short spike between two
    /// samples is not missed.
    public static func peakResident(pid: String = "self") -> Int { statusKiB("VmHWM", pid: pid) * 1024 }

    /// Returns freed heap pages to the system, so resident memory measures what is in use.
    public static func trim() {
        // `malloc_trim` is glibc's and not in the Glibc module: look it up.
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }

    /// User + system CPU seconds of this whole process (microsecond resolution).
    public static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return user + system
    }

    /// User + system CPU seconds of another process (clock-tick resolution), or of one of
    /// its threads with `"PID/task/TID"`; 0 once it is gone.
    public static func cpuSeconds(pid: String) -> Double {
        guard let fields = statFields(path: "/proc/\(pid)/stat"), fields.count > 13,
            let user = Double(fields[11]), let system = Double(fields[12])
        else { return 0 }
        return (user + system) / ticksPerSecond
    }

    /// CPU seconds of a process and of every process whose parent it is (PostgreSQL's
    /// postmaster and its backends, checkpointer, WAL writer…).
    public static func cpuSecondsWithChildren(pid: Int32) -> Double {
        var total = cpuSeconds(pid: String(pid))
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where entry.first?.isNumber == true {
            // Field 4 of stat is the parent's pid: the 2nd field after "(comm)".
            guard let fields = statFields(path: "/proc/\(entry)/stat"), fields.count > 13, Int32(fields[1]) == pid,
                let user = Double(fields[11]), let system = Double(fields[12])
            else { continue }
            total += (user + system) / ticksPerSecond
        }
        return total
    }

    /// The parent of a process (PostgreSQL's postmaster is the parent of every backend).
    public static func parent(of pid: Int32) -> Int32? {
        statFields(path: "/proc/\(pid)/stat").flatMap { $0.count > 1 ? Int32($0[1]) : nil }
    }

    /// User + system CPU seconds of every thread of this process except the benchmark's
    /// client threads (named with `clientThreadPrefix`): the server's share.
    public static func serverCPUSeconds() -> Double {
        var total = 0.0
        for tid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? [] {
            guard let comm = try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8),
                !comm.hasPrefix(clientThreadPrefix)
            else { continue }
            total += cpuSeconds(pid: "self/task/\(tid)")
        }
        return total
    }

    /// CPU seconds all processes on the machine used since boot (all cores: user, nice,
    /// system, irq, softirq, steal: everything but idle and iowait), so a run can show how
    /// busy the machine was besides the bench.
    public static func machineBusySeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return 0 }
        let v = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard v.count >= 8 else { return 0 }
        return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / ticksPerSecond
    }

    /// The 1-minute load average (`/proc/loadavg`), to say how loaded a shared machine was.
    public static func loadAverage() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return 0 }
        return text.split(separator: " ").first.flatMap { Double($0) } ?? 0
    }

    private static var ticksPerSecond: Double {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ticks > 0 ? ticks : 100
    }

    /// The fields of a `stat` file after "(comm)", which may hold spaces: state is [0],
    /// the parent's pid [1], utime [11] and stime [12].
    private static func statFields(path: String) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: path, encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }

    private static func statusKiB(_ key: String, pid: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(key + ":") {
            return Int(String(line.dropFirst(key.count + 1).filter(\.isNumber))) ?? 0
        }
        return 0
    }
}
