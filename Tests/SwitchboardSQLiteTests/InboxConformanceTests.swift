import Foundation
import SwitchboardCore
import SwitchboardSQLite
import SwitchboardTesting
import Testing

/// The inbox checks the web pages rely on, against SQLite in memory and on file.
@Suite("SQLite inbox conformance")
struct InboxConformanceTests {
    @Test(arguments: StoreKind.allCases) func markUnreadAndMarkAllRead(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.markUnreadAndMarkAllRead() }
    }

    @Test(arguments: StoreKind.allCases) func inboxFiltersNarrowTheListing(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.inboxFiltersNarrowTheListing() }
    }
}
