import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the process has used, read from `/proc` (Linux only; elsewhere the figures are 0).
///
/// Memory is the kernel's own high-water mark (`VmHWM`), so a short spike between two
/// samples is not missed; CPU is user + system time, to tell "waiting on the disk" (low CPU)
/// from "out of cores" (close to 100 % per core).
enum ProcessStats {
    /// Peak resident memory of the whole process so far, in MiB.
    static var peakResidentMiB: Double { statusKiB("VmHWM") / 1024 }
    /// Resident memory now, in MiB.
    static var residentMiB: Double { statusKiB("VmRSS") / 1024 }

    /// User + system CPU seconds used by the process so far.
    static var cpuSeconds: Double {
        // /proc/self/stat: field 2 is "(comm)", which may hold spaces; utime and stime are
        // fields 14 and 15, i.e. the 12th and 13th after the closing parenthesis.
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (user + system) / (ticks > 0 ? ticks : 100)
    }

    static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// CPU seconds every process on the machine has used since boot (all cores: user, nice,
    /// system, irq, softirq, steal), so a run can show how busy the machine was besides us.
    static var machineBusySeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return 0 }
        let values = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard values.count >= 8 else { return 0 }
        // user nice system idle iowait irq softirq steal: everything but idle and iowait.
        let busy = values[0] + values[1] + values[2] + values[5] + values[6] + values[7]
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return busy / (ticks > 0 ? ticks : 100)
    }

    private static func statusKiB(_ key: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(key + ":") {
            let digits = line.dropFirst(key.count + 1).filter(\.isNumber)
            return Double(String(digits)) ?? 0
        }
        return 0
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago: the kernel picks one for a socket
    /// bound to port 0, which is then closed. `buildApplication` takes a port, not a socket,
    /// so this small race is the price of building the hub exactly as `serve` does.
    static func freeLoopbackPort() throws -> Int {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw BenchFailure("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw BenchFailure("bind() to 127.0.0.1:0 failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw BenchFailure("getsockname() failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A setup problem that ends the benchmark with a message instead of figures.
struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
