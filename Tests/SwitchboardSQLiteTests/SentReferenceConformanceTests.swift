import Foundation
import SwitchboardCore
import SwitchboardSQLite
import SwitchboardTesting
import Testing

/// The SQLite store keeps sent references as the suite says, across reopening the file; and
/// the suite fails stores that match the wrong part.
@Suite("SQLite sent references")
struct SentReferenceConformanceTests {
    @Test(arguments: SentReferenceStoreConformance.Check.allCases) func check(_ check: SentReferenceStoreConformance.Check) async throws {
        try await SentReferenceStoreConformance { try SQLiteStore.inMemory() }.run(check)
    }

    @Test func aReferenceRecordedBeforeARestartIsMatchedAfterIt() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sent-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sentAt = Date(timeIntervalSince1970: 1_800_000_000)
        do {
            let store = try SQLiteStore(directory: dir)
            for (i, mr) in [200, 201].enumerated() {
                try await store.recordSent(
                    SentPart(connector: "gsm-1", reference: mr, recipient: "+4712345678", sentAt: sentAt, deliveryID: "d1", part: i, parts: 2)
                )
            }
            _ = try await store.matchSent(connector: "gsm-1", reference: 200, recipient: "+4712345678", outcome: .delivered, since: sentAt)
        }
        let reopened = try SQLiteStore(directory: dir)
        let match = try await reopened.matchSent(connector: "gsm-1", reference: 201, recipient: "4712345678", outcome: .delivered, since: sentAt)
        #expect(match == SentPartMatch(deliveryID: "d1", part: 1, parts: 2, verdict: .delivered))
    }

    @Test func failsAStoreThatMatchesTheOldestPart() async throws {
        let suite = SentReferenceStoreConformance { OldestFirstStore(base: MemoryStore()) }
        await #expect(throws: ConformanceFailure.self) { try await suite.run(.aReusedReferenceMatchesTheNewestUnfinishedPart) }
    }

    @Test func failsAStoreThatIgnoresTheRecipient() async throws {
        let suite = SentReferenceStoreConformance { AnyRecipientStore(base: try SQLiteStore.inMemory()) }
        await #expect(throws: ConformanceFailure.self) { try await suite.run(.reportsMatchByConnectorReferenceAndRecipient) }
    }
}

/// Keeps send times mirrored around the suite's reference time, so what it takes for the
/// newest part is the oldest.
private struct OldestFirstStore: SentReferenceStore {
    let base: MemoryStore
    func recordSent(_ part: SentPart) async throws {
        var p = part
        p.sentAt = Date(timeIntervalSince1970: 2 * 1_800_000_000 - part.sentAt.timeIntervalSince1970)
        try await base.recordSent(p)
    }
    func matchSent(connector: String, reference: Int, recipient: String, outcome: SentPart.Outcome, since: Date) async throws -> SentPartMatch? {
        try await base.matchSent(connector: connector, reference: reference, recipient: recipient, outcome: outcome, since: since)
    }
    func purgeSent(connector: String, before cutoff: Date) async throws -> Int { try await base.purgeSent(connector: connector, before: cutoff) }
}

/// Forgets the recipient: every report is taken as about the number the parts were sent to.
private struct AnyRecipientStore: SentReferenceStore {
    let base: SQLiteStore
    func recordSent(_ part: SentPart) async throws {
        var p = part
        p.recipient = "+4700000000"
        try await base.recordSent(p)
    }
    func matchSent(connector: String, reference: Int, recipient: String, outcome: SentPart.Outcome, since: Date) async throws -> SentPartMatch? {
        try await base.matchSent(connector: connector, reference: reference, recipient: "+4700000000", outcome: outcome, since: since)
    }
    func purgeSent(connector: String, before cutoff: Date) async throws -> Int { try await base.purgeSent(connector: connector, before: cutoff) }
}
