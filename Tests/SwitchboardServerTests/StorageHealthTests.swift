import Foundation
import Testing

@testable import SwitchboardServer

@Suite("Out of disk space")
struct StorageHealthTests {
    @Test func sqliteFullAndENOSPCAreOutOfSpaceOtherErrorsAreNot() {
        let dir = FileManager.default.temporaryDirectory.path
        // GRDB's DatabaseError bridges to this domain with its extended result code.
        #expect(StorageHealth.isOutOfSpace(NSError(domain: "GRDB.DatabaseError", code: 13), dataDirectory: dir))
        #expect(StorageHealth.isOutOfSpace(NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC)), dataDirectory: dir))
        #expect(!StorageHealth.isOutOfSpace(NSError(domain: "GRDB.DatabaseError", code: 19), dataDirectory: dir))  // constraint
        // An I/O error counts only when the data directory's file system is in fact full.
        #expect(!StorageHealth.isOutOfSpace(NSError(domain: "GRDB.DatabaseError", code: 10 | (3 << 8)), dataDirectory: dir))
    }

    @Test func aWriteThatSucceedsEndsTheFullState() {
        let health = StorageHealth()
        health.writeFailedForSpace()
        #expect(health.outOfSpace(dataDirectory: "/nonexistent-switchboard-dir") != nil)
        health.writeSucceeded()
        #expect(health.outOfSpace(dataDirectory: "/nonexistent-switchboard-dir") == nil)
    }
}
