#if canImport(Glibc)
import Glibc
#endif

/// The open-file limit: the benches open thousands of sockets in one process.
public enum FileLimit {
    /// Raises the open-file limit to the hard limit; returns it.
    @discardableResult
    public static func raise() -> Int {
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        return Int(limit.rlim_cur)
    }
}
