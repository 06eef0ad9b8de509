import Foundation
import SwitchboardCore

/// The behaviour every `HubStore` must show, written once and run against each store
/// (SQLite, PostgreSQL, in-memory) so that they cannot drift apart.
///
/// Framework-agnostic on purpose: a check is an `async throws` function that throws
/// `ConformanceFailure` on the first wrong answer, so XCTest, Swift Testing or a plain
/// executable can run it. Every check asks `makeStore` for a fresh, empty store and uses
/// fixed dates on whole milliseconds, comparing dates at millisecond precision, because
/// stores keep time at different resolutions.
package struct StoreConformance: Sendable {
    /// One check of the suite, so a runner can list, parameterise or pick them.
    package enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        case acceptRoundTrip, acceptBatchIsAllOrNone, acceptBatchRoundTrip, idempotentReplay, idempotencyKeyReuseConflicts,
            concurrentRetriesWithOneKeyStoreOnce
        case claimDueReturnsOnlyDueDeliveries, claimDueHonoursLeases, finishMovesDeliveries
        case finishRefusesIllegalTransitions, finishBatchRefusesItemsAlone, attemptsAreRecordedInOrder, nextDueFollowsQueueAndLeases
        case concurrentClaimsNeverOverlap, extendLeasesMovesOnlySendingClaims
        case inboundMessageRoundTrip, inboxScopes, readFlagsArePerUser, unreadOnlyFiltersPerViewer
        case inboxPagingHasNoGapsOrDuplicates, markReadIsIdempotent, unreadCountPerScope, unroutedInboundUntilRouted
        case markUnreadAndMarkAllRead, inboxFiltersNarrowTheListing
        case userLifecycle, deleteUserRemovesCredentialsAndUnlinksContacts, contactLifecycle
        case contactsByAddressAndUsername, groupLifecycle, groupMembers
        case sessionsExpire, sessionsInUseAreRenewed, passwordChangeEndsOtherSessions, tokensBelongToTheirUser, tokensKeepTheirScopes
        case pendingRecipientsAreMostUrgentFirst, pendingForOneAddressIsMostSevereFirst, cancelPendingCancelsOnlyOlderOnes
        case deadLettersAreNewestChangeFirst, requeueResetsAttemptsAndMakesThemClaimable
        case setStatusRecordsReasonAndRefusesIllegalMoves, addDeliveriesAppearInTheMessage
        case releaseClaimsMakesLeasedDeliveriesClaimable, receiptLookupFindsTheDelivery
        case formSubmissionRoundTrip, formSubmissionsPageNewestFirst, formSubmissionsFollowTheirInboxItem, noteStatusKeepsTheStatus
        case replayKeysCommitOnce
        case deadLetterPagesCoverEveryRowOnce, pendingRecipientPagesCoverEveryRecipientOnce, messageDeliveriesPageInOrderWithCounts
        case contactSearchPagesInNameOrder, groupsPageInNameOrder, usersPageInNameOrder, tokensPageOldestFirst
        case groupSearchFindsNamesHoldingEveryWord
        case groupMemberCountsCoverTheWholeGroup, groupNamesOfAContact, adminsAreCounted

        package var description: String { rawValue }
    }

    let makeStore: @Sendable () async throws -> any HubStore

    /// `makeStore` must return a new, empty store on every call.
    package init(makeStore: @escaping @Sendable () async throws -> any HubStore) {
        self.makeStore = makeStore
    }

    /// The checks of the dispatcher's part (outbox, claims, queue, delivery reports), which
    /// every `HubStore` passes too.
    package var dispatch: DispatchStoreConformance { DispatchStoreConformance(makeStore: makeStore) }

    /// Runs one check.
    package func run(_ check: Check) async throws {
        switch check {
        case .acceptRoundTrip: try await dispatch.run(.acceptRoundTrip)
        case .acceptBatchIsAllOrNone: try await dispatch.run(.acceptBatchIsAllOrNone)
        case .acceptBatchRoundTrip: try await dispatch.run(.acceptBatchRoundTrip)
        case .idempotentReplay: try await dispatch.run(.idempotentReplay)
        case .idempotencyKeyReuseConflicts: try await dispatch.run(.idempotencyKeyReuseConflicts)
        case .concurrentRetriesWithOneKeyStoreOnce: try await dispatch.run(.concurrentRetriesWithOneKeyStoreOnce)
        case .claimDueReturnsOnlyDueDeliveries: try await dispatch.run(.claimDueReturnsOnlyDueDeliveries)
        case .claimDueHonoursLeases: try await dispatch.run(.claimDueHonoursLeases)
        case .finishMovesDeliveries: try await dispatch.run(.finishMovesDeliveries)
        case .finishRefusesIllegalTransitions: try await dispatch.run(.finishRefusesIllegalTransitions)
        case .finishBatchRefusesItemsAlone: try await dispatch.run(.finishBatchRefusesItemsAlone)
        case .attemptsAreRecordedInOrder: try await dispatch.run(.attemptsAreRecordedInOrder)
        case .nextDueFollowsQueueAndLeases: try await dispatch.run(.nextDueFollowsQueueAndLeases)
        case .concurrentClaimsNeverOverlap: try await dispatch.run(.concurrentClaimsNeverOverlap)
        case .extendLeasesMovesOnlySendingClaims: try await dispatch.run(.extendLeasesMovesOnlySendingClaims)
        case .inboundMessageRoundTrip: try await inboundMessageRoundTrip()
        case .inboxScopes: try await inboxScopes()
        case .readFlagsArePerUser: try await readFlagsArePerUser()
        case .unreadOnlyFiltersPerViewer: try await unreadOnlyFiltersPerViewer()
        case .inboxPagingHasNoGapsOrDuplicates: try await inboxPagingHasNoGapsOrDuplicates()
        case .markReadIsIdempotent: try await markReadIsIdempotent()
        case .unreadCountPerScope: try await unreadCountPerScope()
        case .unroutedInboundUntilRouted: try await unroutedInboundUntilRouted()
        case .markUnreadAndMarkAllRead: try await markUnreadAndMarkAllRead()
        case .inboxFiltersNarrowTheListing: try await inboxFiltersNarrowTheListing()
        case .userLifecycle: try await userLifecycle()
        case .deleteUserRemovesCredentialsAndUnlinksContacts: try await deleteUserRemovesCredentialsAndUnlinksContacts()
        case .contactLifecycle: try await contactLifecycle()
        case .contactsByAddressAndUsername: try await contactsByAddressAndUsername()
        case .groupLifecycle: try await groupLifecycle()
        case .groupMembers: try await groupMembers()
        case .sessionsExpire: try await sessionsExpire()
        case .passwordChangeEndsOtherSessions: try await passwordChangeEndsOtherSessions()
        case .sessionsInUseAreRenewed: try await sessionsInUseAreRenewed()
        case .tokensBelongToTheirUser: try await tokensBelongToTheirUser()
        case .tokensKeepTheirScopes: try await tokensKeepTheirScopes()
        case .pendingRecipientsAreMostUrgentFirst: try await dispatch.run(.pendingRecipientsAreMostUrgentFirst)
        case .pendingForOneAddressIsMostSevereFirst: try await dispatch.run(.pendingForOneAddressIsMostSevereFirst)
        case .cancelPendingCancelsOnlyOlderOnes: try await dispatch.run(.cancelPendingCancelsOnlyOlderOnes)
        case .deadLettersAreNewestChangeFirst: try await dispatch.run(.deadLettersAreNewestChangeFirst)
        case .requeueResetsAttemptsAndMakesThemClaimable: try await dispatch.run(.requeueResetsAttemptsAndMakesThemClaimable)
        case .setStatusRecordsReasonAndRefusesIllegalMoves: try await dispatch.run(.setStatusRecordsReasonAndRefusesIllegalMoves)
        case .addDeliveriesAppearInTheMessage: try await dispatch.run(.addDeliveriesAppearInTheMessage)
        case .releaseClaimsMakesLeasedDeliveriesClaimable: try await dispatch.run(.releaseClaimsMakesLeasedDeliveriesClaimable)
        case .receiptLookupFindsTheDelivery: try await dispatch.run(.receiptLookupFindsTheDelivery)
        case .formSubmissionRoundTrip: try await formSubmissionRoundTrip()
        case .formSubmissionsPageNewestFirst: try await formSubmissionsPageNewestFirst()
        case .formSubmissionsFollowTheirInboxItem: try await formSubmissionsFollowTheirInboxItem()
        case .noteStatusKeepsTheStatus: try await dispatch.run(.noteStatusKeepsTheStatus)
        case .replayKeysCommitOnce: try await replayKeysCommitOnce()
        case .deadLetterPagesCoverEveryRowOnce: try await dispatch.run(.deadLetterPagesCoverEveryRowOnce)
        case .pendingRecipientPagesCoverEveryRecipientOnce: try await dispatch.run(.pendingRecipientPagesCoverEveryRecipientOnce)
        case .messageDeliveriesPageInOrderWithCounts: try await dispatch.run(.messageDeliveriesPageInOrderWithCounts)
        case .contactSearchPagesInNameOrder: try await accounts.run(.contactSearchPagesInNameOrder)
        case .groupsPageInNameOrder: try await accounts.run(.groupsPageInNameOrder)
        case .groupSearchFindsNamesHoldingEveryWord: try await accounts.run(.groupSearchFindsNamesHoldingEveryWord)
        case .usersPageInNameOrder: try await accounts.run(.usersPageInNameOrder)
        case .tokensPageOldestFirst: try await accounts.run(.tokensPageOldestFirst)
        case .groupMemberCountsCoverTheWholeGroup: try await accounts.run(.groupMemberCountsCoverTheWholeGroup)
        case .groupNamesOfAContact: try await accounts.run(.groupNamesOfAContact)
        case .adminsAreCounted: try await accounts.run(.adminsAreCounted)
        }
    }

    /// Runs every check in order and stops at the first failure.
    package func runAll() async throws {
        for check in Check.allCases { try await run(check) }
    }
}

/// A check found the store behaving wrongly. Its description names the check, what was
/// expected and what came back, and where in the suite it was asserted.
package struct ConformanceFailure: Error, Sendable, CustomStringConvertible {
    package var check: String
    package var message: String
    package var expected: String?
    package var actual: String?
    package var file: String
    package var line: UInt

    package init(check: String, message: String, expected: String? = nil, actual: String? = nil, file: String, line: UInt) {
        self.check = check
        self.message = message
        self.expected = expected
        self.actual = actual
        self.file = file
        self.line = line
    }

    package var description: String {
        var text = "store conformance check '\(check)' failed: \(message)"
        if let expected { text += "\n  expected: \(expected)" }
        if let actual { text += "\n  actual:   \(actual)" }
        text += "\n  at \(file):\(line)"
        return text
    }
}

extension StoreConformance: ConformanceAssertions {}
