import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether the store can take writes, as the last writes showed: a full disk makes every
/// write fail while reads (and a read-only health check) still work, so `/health` asks here.
///
/// A write that fails for want of space (`isOutOfSpace`) marks the store full; any write that
/// succeeds afterwards, or free space found again on the data directory, clears the mark.
final class StorageHealth: Sendable {
    /// When a write last failed for want of space; nil while writes succeed.
    private let fullSince = Mutex<Date?>(nil)

    /// Free bytes on the data directory's file system above which it is no longer full.
    static let recoveredAbove: UInt64 = 1 << 20

    init() {}

    func writeFailedForSpace() {
        fullSince.withLock { if $0 == nil { $0 = Date() } }
    }

    func writeSucceeded() {
        fullSince.withLock { $0 = nil }
    }

    /// Since when the store has been out of space, or nil when it is not (found again if
    /// `dataDirectory` has room once more).
    func outOfSpace(dataDirectory: String) -> Date? {
        guard let since = fullSince.withLock({ $0 }) else { return nil }
        if let free = Self.freeBytes(dataDirectory), free > Self.recoveredAbove {
            writeSucceeded()
            return nil
        }
        return since
    }

    /// Whether `error` is the store running out of space: SQLite's SQLITE_FULL, or an I/O
    /// error (SQLITE_IOERR, ENOSPC, EDQUOT) while the data directory's file system is full.
    static func isOutOfSpace(_ error: any Error, dataDirectory: String) -> Bool {
        let ns = error as NSError
        if ns.domain == "GRDB.DatabaseError" {
            switch ns.code & 0xFF {
            case 13: return true  // SQLITE_FULL
            case 10: return (freeBytes(dataDirectory) ?? .max) < recoveredAbove  // SQLITE_IOERR
            default: return false
            }
        }
        if ns.domain == NSPOSIXErrorDomain, ns.code == Int(ENOSPC) || ns.code == Int(EDQUOT) { return true }
        return false
    }

    /// Bytes an unprivileged writer may still use on the file system of `path`.
    static func freeBytes(_ path: String) -> UInt64? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        return UInt64(stats.f_bavail) * UInt64(stats.f_frsize)
    }
}
