import SwitchboardTesting
import Testing

/// Every conformance check against both kinds of SQLite store, one test per check so a
/// failure names the behaviour that broke.
@Suite("SQLiteStore conformance")
struct SQLiteConformanceTests {
    @Test(arguments: StoreKind.allCases) func acceptRoundTrip(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.acceptRoundTrip() }
    }

    @Test(arguments: StoreKind.allCases) func acceptBatchIsAllOrNone(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.acceptBatchIsAllOrNone() }
    }

    @Test(arguments: StoreKind.allCases) func acceptBatchRoundTrip(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.acceptBatchRoundTrip() }
    }

    @Test(arguments: StoreKind.allCases) func idempotentReplay(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.idempotentReplay() }
    }

    @Test(arguments: StoreKind.allCases) func idempotencyKeyReuseConflicts(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.idempotencyKeyReuseConflicts() }
    }

    @Test(arguments: StoreKind.allCases) func concurrentRetriesWithOneKeyStoreOnce(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.concurrentRetriesWithOneKeyStoreOnce() }
    }

    @Test(arguments: StoreKind.allCases) func claimDueReturnsOnlyDueDeliveries(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.claimDueReturnsOnlyDueDeliveries() }
    }

    @Test(arguments: StoreKind.allCases) func claimDueHonoursLeases(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.claimDueHonoursLeases() }
    }

    @Test(arguments: StoreKind.allCases) func finishMovesDeliveries(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.finishMovesDeliveries() }
    }

    @Test(arguments: StoreKind.allCases) func finishRefusesIllegalTransitions(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.finishRefusesIllegalTransitions() }
    }

    @Test(arguments: StoreKind.allCases) func finishBatchRefusesItemsAlone(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.finishBatchRefusesItemsAlone() }
    }

    @Test(arguments: StoreKind.allCases) func attemptsAreRecordedInOrder(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.attemptsAreRecordedInOrder() }
    }

    @Test(arguments: StoreKind.allCases) func nextDueFollowsQueueAndLeases(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.nextDueFollowsQueueAndLeases() }
    }

    @Test(arguments: StoreKind.allCases) func concurrentClaimsNeverOverlap(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.concurrentClaimsNeverOverlap() }
    }

    @Test(arguments: StoreKind.allCases) func extendLeasesMovesOnlySendingClaims(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.dispatch.extendLeasesMovesOnlySendingClaims() }
    }

    @Test(arguments: StoreKind.allCases) func inboundMessageRoundTrip(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.inboundMessageRoundTrip() }
    }

    @Test(arguments: StoreKind.allCases) func inboxScopes(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.inboxScopes() }
    }

    @Test(arguments: StoreKind.allCases) func readFlagsArePerUser(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.readFlagsArePerUser() }
    }

    @Test(arguments: StoreKind.allCases) func unreadOnlyFiltersPerViewer(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.unreadOnlyFiltersPerViewer() }
    }

    @Test(arguments: StoreKind.allCases) func inboxPagingHasNoGapsOrDuplicates(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.inboxPagingHasNoGapsOrDuplicates() }
    }

    @Test(arguments: StoreKind.allCases) func markReadIsIdempotent(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.markReadIsIdempotent() }
    }

    @Test(arguments: StoreKind.allCases) func unreadCountPerScope(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.unreadCountPerScope() }
    }

    @Test(arguments: StoreKind.allCases) func userLifecycle(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.userLifecycle() }
    }

    @Test(arguments: StoreKind.allCases) func deleteUserRemovesCredentialsAndUnlinksContacts(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.deleteUserRemovesCredentialsAndUnlinksContacts() }
    }

    @Test(arguments: StoreKind.allCases) func contactLifecycle(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.contactLifecycle() }
    }

    @Test(arguments: StoreKind.allCases) func contactsByAddressAndUsername(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.contactsByAddressAndUsername() }
    }

    @Test(arguments: StoreKind.allCases) func groupLifecycle(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.groupLifecycle() }
    }

    @Test(arguments: StoreKind.allCases) func groupMembers(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.groupMembers() }
    }

    @Test(arguments: StoreKind.allCases) func sessionsExpire(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.sessionsExpire() }
    }

    @Test(arguments: StoreKind.allCases) func sessionsInUseAreRenewed(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.sessionsInUseAreRenewed() }
    }

    @Test(arguments: StoreKind.allCases) func passwordChangeEndsOtherSessions(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.passwordChangeEndsOtherSessions() }
    }

    @Test(arguments: StoreKind.allCases) func tokensBelongToTheirUser(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.tokensBelongToTheirUser() }
    }

    @Test(arguments: StoreKind.allCases) func tokensKeepTheirScopes(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.tokensKeepTheirScopes() }
    }

    /// Also catches a check added to the suite but not yet listed above.
    @Test(arguments: StoreKind.allCases) func runAllChecks(_ kind: StoreKind) async throws {
        try await withConformance(kind) { try await $0.runAll() }
    }
}
