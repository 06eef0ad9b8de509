import Foundation
import SwitchboardCore
import SwitchboardSQLite
import SwitchboardTesting
import Testing

/// Each queue check fails a store with the matching bug, so none of them can pass by asserting
/// too little.
@Suite("Store conformance suite: queue checks")
struct QueueConformanceSuiteTests {
    static func suite(_ fault: QueueFault) -> StoreConformance {
        StoreConformance { MisbehavingStore(base: try SQLiteStore.inMemory(), fault: .queue(fault)) }
    }

    @Test func failsAStoreThatOrdersTheQueueByAgeAlone() async throws {
        let suite = Self.suite(.ignoreSeverity)
        await #expect(throws: ConformanceFailure.self) { try await suite.dispatch.pendingRecipientsAreMostUrgentFirst() }
        await #expect(throws: ConformanceFailure.self) { try await suite.dispatch.pendingForOneAddressIsMostSevereFirst() }
    }

    @Test func failsAStoreThatCancelsYoungOrOtherChannelsDeliveries() async throws {
        await #expect(throws: ConformanceFailure.self) { try await Self.suite(.cancelIgnoresAge).dispatch.cancelPendingCancelsOnlyOlderOnes() }
        await #expect(throws: ConformanceFailure.self) { try await Self.suite(.cancelIgnoresChannel).dispatch.cancelPendingCancelsOnlyOlderOnes() }
    }

    @Test func failsAStoreThatRefusesASweepInsteadOfSkippingIllegalRows() async throws {
        await #expect(throws: ConformanceFailure.self) { try await Self.suite(.bulkRefusesIllegalRows).dispatch.cancelPendingCancelsOnlyOlderOnes() }
    }

    @Test func failsAStoreThatCancelsToAStatusThatIsNotFinal() async throws {
        await #expect(throws: ConformanceFailure.self) { try await Self.suite(.cancelToAnyStatus).dispatch.cancelPendingCancelsOnlyOlderOnes() }
    }

    @Test func failsAStoreThatLosesTheHistoryOrItsActor() async throws {
        for fault in [QueueFault.forgetHistory, .forgetActor] {
            let suite = Self.suite(fault)
            await #expect(throws: ConformanceFailure.self, "\(fault)") { try await suite.dispatch.setStatusRecordsReasonAndRefusesIllegalMoves() }
            await #expect(throws: ConformanceFailure.self, "\(fault)") { try await suite.dispatch.cancelPendingCancelsOnlyOlderOnes() }
            await #expect(throws: ConformanceFailure.self, "\(fault)") { try await suite.dispatch.requeueResetsAttemptsAndMakesThemClaimable() }
        }
    }

    @Test func failsAStoreThatListsDeadLettersOldestFirst() async throws {
        await #expect(throws: ConformanceFailure.self) { try await Self.suite(.deadLettersOldestFirst).dispatch.deadLettersAreNewestChangeFirst() }
    }

    @Test func failsAStoreWhosePagesSkipTiesOrIgnoreTheCursor() async throws {
        await #expect(throws: ConformanceFailure.self) { try await Self.suite(.pagingSkipsTies).dispatch.deadLetterPagesCoverEveryRowOnce() }
        await #expect(throws: ConformanceFailure.self) {
            try await Self.suite(.pagingIgnoresCursor).dispatch.pendingRecipientPagesCoverEveryRecipientOnce()
        }
    }

    @Test func failsAStoreThatRequeuesLate() async throws {
        await #expect(throws: ConformanceFailure.self) { try await Self.suite(.requeueLate).dispatch.requeueResetsAttemptsAndMakesThemClaimable() }
    }

    @Test func failsAStoreThatAllowsIllegalHandMadeChanges() async throws {
        await #expect(throws: ConformanceFailure.self) {
            try await Self.suite(.swallowSetStatusErrors).dispatch.setStatusRecordsReasonAndRefusesIllegalMoves()
        }
    }

    @Test func failsAStoreThatDropsAddedDeliveriesKeepsClaimsOrLosesReceipts() async throws {
        await #expect(throws: ConformanceFailure.self) { try await Self.suite(.dropAddedDeliveries).dispatch.addDeliveriesAppearInTheMessage() }
        await #expect(throws: ConformanceFailure.self) {
            try await Self.suite(.releaseNothing).dispatch.releaseClaimsMakesLeasedDeliveriesClaimable()
        }
        await #expect(throws: ConformanceFailure.self) { try await Self.suite(.receiptsNeverFound).dispatch.receiptLookupFindsTheDelivery() }
    }
}

/// The queue checks against both kinds of SQLite store, one test per check.
@Suite("SQLiteStore conformance: queue")
struct SQLiteQueueConformanceTests {
    @Test(arguments: StoreKind.allCases) func pendingRecipientsAreMostUrgentFirst(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.pendingRecipientsAreMostUrgentFirst() }
    }

    @Test(arguments: StoreKind.allCases) func pendingForOneAddressIsMostSevereFirst(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.pendingForOneAddressIsMostSevereFirst() }
    }

    @Test(arguments: StoreKind.allCases) func cancelPendingCancelsOnlyOlderOnes(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.cancelPendingCancelsOnlyOlderOnes() }
    }

    @Test(arguments: StoreKind.allCases) func deadLettersAreNewestChangeFirst(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.deadLettersAreNewestChangeFirst() }
    }

    @Test(arguments: StoreKind.allCases) func deadLetterPagesCoverEveryRowOnce(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.deadLetterPagesCoverEveryRowOnce() }
    }

    @Test(arguments: StoreKind.allCases) func pendingRecipientPagesCoverEveryRecipientOnce(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.pendingRecipientPagesCoverEveryRecipientOnce() }
    }

    @Test(arguments: StoreKind.allCases) func messageDeliveriesPageInOrderWithCounts(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.messageDeliveriesPageInOrderWithCounts() }
    }

    @Test(arguments: StoreKind.allCases) func requeueResetsAttemptsAndMakesThemClaimable(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.requeueResetsAttemptsAndMakesThemClaimable() }
    }

    @Test(arguments: StoreKind.allCases) func setStatusRecordsReasonAndRefusesIllegalMoves(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.setStatusRecordsReasonAndRefusesIllegalMoves() }
    }

    @Test(arguments: StoreKind.allCases) func addDeliveriesAppearInTheMessage(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.addDeliveriesAppearInTheMessage() }
    }

    @Test(arguments: StoreKind.allCases) func releaseClaimsMakesLeasedDeliveriesClaimable(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.releaseClaimsMakesLeasedDeliveriesClaimable() }
    }

    @Test(arguments: StoreKind.allCases) func receiptLookupFindsTheDelivery(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.receiptLookupFindsTheDelivery() }
    }
}
