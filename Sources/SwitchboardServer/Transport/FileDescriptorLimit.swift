#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open-file limit (`RLIMIT_NOFILE`), which bounds sockets as well as files.
///
/// Many systems start processes with a soft limit of 1024 and a far higher hard limit; the
/// hub raises the soft one to the hard one at start (`raise()`), and sizes its connection cap
/// to what is left after a reserve for the database, connectors and the runtime's own files.
package enum FileDescriptorLimit {
    /// Descriptors kept for everything but inbound connections: SQLite and its WAL, outbound
    /// HTTP and SMTP connections, listeners, logs, the runtime.
    static let reserve = 256

    /// The soft and hard limits now, or nil where they cannot be read.
    package static func current() -> (soft: Int, hard: Int)? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        return (clamp(limit.rlim_cur), clamp(limit.rlim_max))
    }

    /// Raises the soft limit to the hard limit (at most 1,048,576) where allowed; returns the
    /// limits in force afterwards.
    @discardableResult
    package static func raise() -> (soft: Int, hard: Int)? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        let target = min(limit.rlim_max, 1 << 20)
        if limit.rlim_cur < target {
            var raised = limit
            raised.rlim_cur = target
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised)
        }
        return current()
    }

    /// The connection cap that fits under the soft limit: `configured`, or less.
    static func connectionCap(configured: Int, soft: Int?) -> Int {
        guard let soft else { return configured }
        return min(configured, max(16, soft - reserve))
    }

    private static func clamp(_ value: rlim_t) -> Int {
        value > rlim_t(Int.max) ? Int.max : Int(value)
    }
}
