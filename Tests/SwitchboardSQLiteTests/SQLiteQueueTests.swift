import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardSQLite

/// What only SQL can show about the queue: its hot queries use their indexes, and the
/// severity ranking SQL builds agrees with Core's.
@Suite("SQLiteStore queue queries")
struct SQLiteQueueTests {
    @Test func queueQueriesUseTheirIndexes() async throws {
        let store = try SQLiteStore.inMemory()
        let byAddress = try await store.queryPlan(SQLiteStore.pendingForAddressSQL, arguments: [0, 10])
        #expect(byAddress.contains { $0.contains("USING INDEX deliveries_address") }, "\(byAddress)")
        for (cursor, arguments) in [(false, [0, 10]), (true, [0, 5, 3, 10])] {
            let byStatus = try await store.queryPlan(SQLiteStore.byStatusSQL(cursor: cursor), arguments: arguments)
            #expect(byStatus.contains { $0.contains("USING INDEX deliveries_updated") }, "\(byStatus)")
            #expect(!byStatus.contains { $0.contains("TEMP B-TREE") }, "the dead-letter list is read in index order: \(byStatus)")
        }
        let byReceipt = try await store.queryPlan(SQLiteStore.byReceiptSQL, arguments: [0, 0])
        #expect(byReceipt.contains { $0.contains("USING INDEX deliveries_receipt") }, "\(byReceipt)")
        let sweep = try await store.queryPlan(
            "SELECT id FROM deliveries WHERE " + SQLiteStore.sweepFilter(statuses: [.queued, .held], channel: true),
            arguments: [0, 0]
        )
        #expect(sweep.contains { $0.contains("USING INDEX deliveries_created") }, "\(sweep)")
        let recipients = try await store.queryPlan(SQLiteStore.pendingRecipientsSQL(channel: false, cursor: true), arguments: [1, 1, 0, 0, 0, 10])
        #expect(!recipients.contains { $0.hasPrefix("SCAN d") && !$0.contains("INDEX") }, "no full scan of deliveries: \(recipients)")
    }

    @Test func severityRankingMatchesCore() async throws {
        let store = try SQLiteStore.inMemory()
        let address = Address.sms("+4741000001")
        let created = Date(timeIntervalSince1970: 1_767_225_600)
        // Inserted least severe last, so insertion order cannot pass for severity order.
        for severity in Severity.allCases {
            let message = Message(text: severity.rawValue, severity: severity, createdAt: created)
            let delivery = Delivery(messageID: message.id, address: address, channel: .sms, createdAt: created)
            _ = try await store.accept(Submission(message: message, deliveries: [delivery]))
        }
        let listed = try await store.pending(address: address).map(\.message.severity)
        #expect(listed == Severity.allCases.sorted(by: >))
        #expect(try await store.pendingRecipients(channel: nil).first?.highestSeverity == .critical)
    }
}
