import Foundation
import SwitchboardCore

/// The behaviour of the dispatcher's part of a store (`DispatchStore`: outbox, claims under
/// leases, outcomes, the operator's queue, delivery reports), runnable on its own so a store
/// that implements only that part (PostgreSQL while it is being built) is held to the same
/// checks. `StoreConformance` runs every one of these too, through `StoreConformance.dispatch`.
package struct DispatchStoreConformance: Sendable {
    /// One check of the suite, so a runner can list, parameterise or pick them.
    package enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        case acceptRoundTrip, acceptBatchIsAllOrNone, acceptBatchRoundTrip, idempotentReplay, idempotencyKeyReuseConflicts,
            concurrentRetriesWithOneKeyStoreOnce
        case claimDueReturnsOnlyDueDeliveries, claimDueHonoursLeases, finishMovesDeliveries
        case finishRefusesIllegalTransitions, finishBatchRefusesItemsAlone, attemptsAreRecordedInOrder, nextDueFollowsQueueAndLeases
        case concurrentClaimsNeverOverlap, extendLeasesMovesOnlySendingClaims
        case pendingRecipientsAreMostUrgentFirst, pendingForOneAddressIsMostSevereFirst, cancelPendingCancelsOnlyOlderOnes
        case deadLettersAreNewestChangeFirst, requeueResetsAttemptsAndMakesThemClaimable
        case setStatusRecordsReasonAndRefusesIllegalMoves, addDeliveriesAppearInTheMessage
        case releaseClaimsMakesLeasedDeliveriesClaimable, receiptLookupFindsTheDelivery
        case noteStatusKeepsTheStatus
        case deadLetterPagesCoverEveryRowOnce, pendingRecipientPagesCoverEveryRecipientOnce, messageDeliveriesPageInOrderWithCounts

        package var description: String { rawValue }
    }

    let makeStore: @Sendable () async throws -> any DispatchStore

    /// `makeStore` must return a new, empty store on every call.
    package init(makeStore: @escaping @Sendable () async throws -> any DispatchStore) {
        self.makeStore = makeStore
    }

    /// Runs one check.
    package func run(_ check: Check) async throws {
        switch check {
        case .acceptRoundTrip: try await acceptRoundTrip()
        case .acceptBatchIsAllOrNone: try await acceptBatchIsAllOrNone()
        case .acceptBatchRoundTrip: try await acceptBatchRoundTrip()
        case .idempotentReplay: try await idempotentReplay()
        case .idempotencyKeyReuseConflicts: try await idempotencyKeyReuseConflicts()
        case .concurrentRetriesWithOneKeyStoreOnce: try await concurrentRetriesWithOneKeyStoreOnce()
        case .claimDueReturnsOnlyDueDeliveries: try await claimDueReturnsOnlyDueDeliveries()
        case .claimDueHonoursLeases: try await claimDueHonoursLeases()
        case .finishMovesDeliveries: try await finishMovesDeliveries()
        case .finishRefusesIllegalTransitions: try await finishRefusesIllegalTransitions()
        case .finishBatchRefusesItemsAlone: try await finishBatchRefusesItemsAlone()
        case .attemptsAreRecordedInOrder: try await attemptsAreRecordedInOrder()
        case .nextDueFollowsQueueAndLeases: try await nextDueFollowsQueueAndLeases()
        case .concurrentClaimsNeverOverlap: try await concurrentClaimsNeverOverlap()
        case .extendLeasesMovesOnlySendingClaims: try await extendLeasesMovesOnlySendingClaims()
        case .pendingRecipientsAreMostUrgentFirst: try await pendingRecipientsAreMostUrgentFirst()
        case .pendingForOneAddressIsMostSevereFirst: try await pendingForOneAddressIsMostSevereFirst()
        case .cancelPendingCancelsOnlyOlderOnes: try await cancelPendingCancelsOnlyOlderOnes()
        case .deadLettersAreNewestChangeFirst: try await deadLettersAreNewestChangeFirst()
        case .requeueResetsAttemptsAndMakesThemClaimable: try await requeueResetsAttemptsAndMakesThemClaimable()
        case .setStatusRecordsReasonAndRefusesIllegalMoves: try await setStatusRecordsReasonAndRefusesIllegalMoves()
        case .addDeliveriesAppearInTheMessage: try await addDeliveriesAppearInTheMessage()
        case .releaseClaimsMakesLeasedDeliveriesClaimable: try await releaseClaimsMakesLeasedDeliveriesClaimable()
        case .receiptLookupFindsTheDelivery: try await receiptLookupFindsTheDelivery()
        case .noteStatusKeepsTheStatus: try await noteStatusKeepsTheStatus()
        case .deadLetterPagesCoverEveryRowOnce: try await deadLetterPagesCoverEveryRowOnce()
        case .pendingRecipientPagesCoverEveryRecipientOnce: try await pendingRecipientPagesCoverEveryRecipientOnce()
        case .messageDeliveriesPageInOrderWithCounts: try await messageDeliveriesPageInOrderWithCounts()
        }
    }

    /// Runs every check in order and stops at the first failure.
    package func runAll() async throws {
        for check in Check.allCases { try await run(check) }
    }
}

extension DispatchStoreConformance: ConformanceAssertions {}
