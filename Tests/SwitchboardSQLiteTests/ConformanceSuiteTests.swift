import Foundation
import SwitchboardCore
import SwitchboardSQLite
import SwitchboardTesting
import Testing

/// The suite is only worth running if it fails wrong stores: these wrap a correct store,
/// break one behaviour, and expect the matching check to throw `ConformanceFailure`.
@Suite("Store conformance suite")
struct ConformanceSuiteTests {
    @Test func failsAStoreThatIgnoresIdempotencyKeys() async throws {
        let suite = StoreConformance { MisbehavingStore(base: try SQLiteStore.inMemory(), fault: .ignoreIdempotency) }
        let failure = await #expect(throws: ConformanceFailure.self) { try await suite.dispatch.idempotentReplay() }
        #expect(failure?.check == "idempotentReplay()")
        #expect(failure?.description.contains("expected") == true)
        await #expect(throws: ConformanceFailure.self) { try await suite.dispatch.acceptBatchIsAllOrNone() }
    }

    @Test func failsAStoreThatHandsOutLeasedDeliveriesAgain() async throws {
        let suite = StoreConformance { MisbehavingStore(base: try SQLiteStore.inMemory(), fault: .ignoreLeases) }
        await #expect(throws: ConformanceFailure.self) { try await suite.dispatch.claimDueHonoursLeases() }
        await #expect(throws: ConformanceFailure.self) { try await suite.dispatch.concurrentClaimsNeverOverlap() }
    }

    @Test func failsAStoreThatDropsLeaseExtensions() async throws {
        let suite = StoreConformance { MisbehavingStore(base: try SQLiteStore.inMemory(), fault: .dropsLeaseExtensions) }
        await #expect(throws: ConformanceFailure.self) { try await suite.dispatch.extendLeasesMovesOnlySendingClaims() }
    }

    @Test func failsAStoreThatSharesReadFlagsBetweenUsers() async throws {
        let suite = StoreConformance { MisbehavingStore(base: try SQLiteStore.inMemory(), fault: .sharedReadFlags) }
        await #expect(throws: ConformanceFailure.self) { try await suite.readFlagsArePerUser() }
    }

    @Test func failsAStoreThatLosesAttachments() async throws {
        let suite = StoreConformance { MisbehavingStore(base: try SQLiteStore.inMemory(), fault: .dropAttachments) }
        await #expect(throws: ConformanceFailure.self) { try await suite.dispatch.acceptRoundTrip() }
    }

    @Test func failsAStoreThatIgnoresThePagingCursor() async throws {
        let suite = StoreConformance { MisbehavingStore(base: try SQLiteStore.inMemory(), fault: .ignoreCursor) }
        await #expect(throws: ConformanceFailure.self) { try await suite.inboxPagingHasNoGapsOrDuplicates() }
        await #expect(throws: ConformanceFailure.self) { try await suite.accounts.groupsPageInNameOrder() }
        await #expect(throws: ConformanceFailure.self) { try await suite.accounts.usersPageInNameOrder() }
        await #expect(throws: ConformanceFailure.self) { try await suite.accounts.tokensPageOldestFirst() }
    }

    @Test func failsAStoreThatLetsAnyoneDeleteATokenOrSkipsTransitionChecks() async throws {
        let tokens = StoreConformance { MisbehavingStore(base: try SQLiteStore.inMemory(), fault: .anyoneDeletesTokens) }
        await #expect(throws: ConformanceFailure.self) { try await tokens.tokensBelongToTheirUser() }
        let transitions = StoreConformance { MisbehavingStore(base: try SQLiteStore.inMemory(), fault: .swallowFinishErrors) }
        await #expect(throws: ConformanceFailure.self) { try await transitions.dispatch.finishRefusesIllegalTransitions() }
        await #expect(throws: ConformanceFailure.self) { try await transitions.dispatch.finishBatchRefusesItemsAlone() }
    }

    @Test func failsAStoreThatForgetsATokensScopes() async throws {
        let suite = StoreConformance { MisbehavingStore(base: try SQLiteStore.inMemory(), fault: .dropsTokenScopes) }
        await #expect(throws: ConformanceFailure.self) { try await suite.tokensKeepTheirScopes() }
    }

    @Test func failsAStoreThatEndsTheSessionItWasToKeep() async throws {
        let suite = StoreConformance { MisbehavingStore(base: try SQLiteStore.inMemory(), fault: .endsEverySession) }
        await #expect(throws: ConformanceFailure.self) { try await suite.passwordChangeEndsOtherSessions() }
    }

    @Test func failsAStoreThatKeepsRoutedMessagesUnrouted() async throws {
        let suite = StoreConformance { MisbehavingStore(base: try SQLiteStore.inMemory(), fault: .keepUnrouted) }
        await #expect(throws: ConformanceFailure.self) { try await suite.unroutedInboundUntilRouted() }
    }

    @Test func passesTheStoreItWraps() async throws {
        let suite = StoreConformance { MisbehavingStore(base: try SQLiteStore.inMemory(), fault: nil) }
        try await suite.runAll()
    }
}

/// A store with one deliberate bug, forwarding everything else.
struct MisbehavingStore: HubStore {
    enum Fault: Sendable, Equatable {
        case ignoreIdempotency, ignoreLeases, sharedReadFlags, dropAttachments, ignoreCursor, anyoneDeletesTokens, endsEverySession
        case swallowFinishErrors, keepUnrouted, showsEveryForm, dropsTokenScopes, dropsLeaseExtensions
        /// Queue faults, used by `QueueConformanceSuiteTests`.
        case queue(QueueFault)
        /// Conversation faults, used by `ConversationConformanceTests`.
        case conversation(ConversationFault)
    }
    let base: any HubStore
    let fault: Fault?

    func accept(_ submission: Submission) async throws -> Acceptance {
        var submission = submission
        if fault == .ignoreIdempotency { submission.idempotency = nil }
        return try await base.accept(submission)
    }
    func accept(batch: [Submission]) async throws -> [Acceptance] {
        try await base.accept(
            batch: batch.map { s in
                var s = s
                if fault == .ignoreIdempotency { s.idempotency = nil }
                return s
            }
        )
    }
    func finish(_ items: [DeliveryFinish]) async throws -> [Result<DeliveryStatus, SwitchboardError>] {
        guard fault == .swallowFinishErrors else { return try await base.finish(items) }
        var results: [Result<DeliveryStatus, SwitchboardError>] = []
        for item in items {
            do {
                let delivery = try await finish(deliveryID: item.deliveryID, outcome: item.outcome, attempts: item.attempts)
                results.append(.success(delivery.status))
            } catch let error as SwitchboardError {
                results.append(.failure(error))
            }
        }
        return results
    }
    func message(id: String) async throws -> MessageRecord? {
        var record = try await base.message(id: id)
        if fault == .dropAttachments { record?.message.attachments = [] }
        return record
    }
    func claimDue(limit: Int, now: Date, leaseUntil: Date) async throws -> [DeliveryJob] {
        guard fault == .ignoreLeases else { return try await base.claimDue(limit: limit, now: now, leaseUntil: leaseUntil) }
        // Leases that end at once: the next claim takes the same deliveries again.
        return try await base.claimDue(limit: limit, now: now, leaseUntil: now)
    }
    func extendLeases(ids: [String], until: Date) async throws {
        // Dropped: the send in flight is claimed again once the first lease runs out.
        if fault == .dropsLeaseExtensions { return }
        try await base.extendLeases(ids: ids, until: until)
    }
    func finish(deliveryID: String, outcome: DeliveryOutcome, attempts: [DeliveryAttempt]) async throws -> Delivery {
        do {
            return try await base.finish(deliveryID: deliveryID, outcome: outcome, attempts: attempts)
        } catch let error as SwitchboardError where fault == .swallowFinishErrors && error.kind == .conflict {
            // Pretends the move happened, as a store without the transition check would.
            return Delivery(id: deliveryID, messageID: "?", address: .sms("+4712345678"), channel: .sms)
        }
    }
    func attempts(deliveryID: String) async throws -> [DeliveryAttempt] { try await base.attempts(deliveryID: deliveryID) }
    func nextDue() async throws -> Date? { try await base.nextDue() }
    func latestUserSender(to address: Address, since: Date) async throws -> String? { try await base.latestUserSender(to: address, since: since) }

    func recordInbound(_ message: Message, replayKey: ReplayKey?) async throws { try await base.recordInbound(message, replayKey: replayKey) }
    func addToInbox(messageID: String, owner: String?) async throws -> InboxItem {
        try await base.addToInbox(messageID: messageID, owner: owner)
    }
    func finishRouting(messageID: String) async throws {
        if fault == .keepUnrouted { return }
        try await base.finishRouting(messageID: messageID)
    }
    func unroutedInbound(limit: Int) async throws -> [Message] { try await base.unroutedInbound(limit: limit) }
    func inbox(_ query: InboxQuery) async throws -> InboxPage {
        var query = query
        if fault == .sharedReadFlags { query.viewer = "everyone" }
        if fault == .ignoreCursor { query.before = nil }
        return try await base.inbox(query)
    }
    func inboxItem(id: Int64, viewer: String) async throws -> InboxItem? {
        try await base.inboxItem(id: id, viewer: fault == .sharedReadFlags ? "everyone" : viewer)
    }
    func markRead(itemID: Int64, username: String) async throws -> Bool {
        try await base.markRead(itemID: itemID, username: fault == .sharedReadFlags ? "everyone" : username)
    }
    func markUnread(itemID: Int64, username: String) async throws -> Bool { try await base.markUnread(itemID: itemID, username: username) }
    func markAllRead(username: String, scope: InboxQuery.Scope, upTo: Int64?) async throws -> Int {
        try await base.markAllRead(username: username, scope: scope, upTo: fault == .ignoreCursor ? nil : upTo)
    }
    func unreadCount(viewer: String) async throws -> (mine: Int, common: Int) { try await base.unreadCount(viewer: viewer) }

    func createUser(_ user: UserAccount) async throws { try await base.createUser(user) }
    func user(named username: String) async throws -> UserAccount? { try await base.user(named: username) }
    func users() async throws -> [UserAccount] { try await base.users() }
    func users(limit: Int, after cursor: String?) async throws -> UserPage {
        try await base.users(limit: limit, after: fault == .ignoreCursor ? nil : cursor)
    }
    func updateUser(_ user: UserAccount) async throws { try await base.updateUser(user) }
    func deleteUser(named username: String) async throws -> Bool { try await base.deleteUser(named: username) }
    func createContact(_ contact: Contact) async throws { try await base.createContact(contact) }
    func contact(id: String) async throws -> Contact? { try await base.contact(id: id) }
    func contacts() async throws -> [Contact] { try await base.contacts() }
    func contacts(_ query: ContactQuery) async throws -> ContactPage { try await base.contacts(query) }
    func memberCounts() async throws -> [String: Int] { try await base.memberCounts() }
    func memberCounts(group: String) async throws -> GroupMemberCounts { try await base.memberCounts(group: group) }
    func groupNames(ofContact contactID: String) async throws -> [String] { try await base.groupNames(ofContact: contactID) }
    func adminCount() async throws -> Int { try await base.adminCount() }
    func contact(username: String) async throws -> Contact? { try await base.contact(username: username) }
    func contacts(withAddress address: Address) async throws -> [Contact] { try await base.contacts(withAddress: address) }
    func updateContact(_ contact: Contact) async throws { try await base.updateContact(contact) }
    func deleteContact(id: String) async throws -> Bool { try await base.deleteContact(id: id) }
    func createGroup(_ group: ContactGroup) async throws { try await base.createGroup(group) }
    func group(named name: String) async throws -> ContactGroup? { try await base.group(named: name) }
    func groups() async throws -> [ContactGroup] { try await base.groups() }
    func groups(search: String, limit: Int, after cursor: String?) async throws -> GroupPage {
        try await base.groups(search: search, limit: limit, after: fault == .ignoreCursor ? nil : cursor)
    }
    func updateGroup(_ group: ContactGroup) async throws { try await base.updateGroup(group) }
    func deleteGroup(named name: String) async throws -> Bool { try await base.deleteGroup(named: name) }
    func addMember(group: String, contactID: String) async throws { try await base.addMember(group: group, contactID: contactID) }
    func removeMember(group: String, contactID: String) async throws -> Bool {
        try await base.removeMember(group: group, contactID: contactID)
    }
    func members(group: String) async throws -> [Contact] { try await base.members(group: group) }

    func createSession(tokenHash: String, username: String, expiresAt: Date) async throws {
        try await base.createSession(tokenHash: tokenHash, username: username, expiresAt: expiresAt)
    }
    func sessionUser(tokenHash: String, now: Date) async throws -> String? { try await base.sessionUser(tokenHash: tokenHash, now: now) }
    func deleteSession(tokenHash: String) async throws { try await base.deleteSession(tokenHash: tokenHash) }
    func renewSession(tokenHash: String, now: Date, ttl: TimeInterval) async throws -> Date? {
        try await base.renewSession(tokenHash: tokenHash, now: now, ttl: ttl)
    }
    func deleteSessions(username: String, keeping: String?) async throws -> Int {
        try await base.deleteSessions(username: username, keeping: fault == .endsEverySession ? nil : keeping)
    }
    func createToken(_ token: APIToken) async throws { try await base.createToken(token) }
    func token(tokenHash: String) async throws -> APIToken? {
        var token = try await base.token(tokenHash: tokenHash)
        if fault == .dropsTokenScopes { token?.scopes = nil }
        return token
    }
    func tokens(username: String) async throws -> [APIToken] { try await base.tokens(username: username) }
    func tokens(username: String, limit: Int, after cursor: String?) async throws -> TokenPage {
        try await base.tokens(username: username, limit: limit, after: fault == .ignoreCursor ? nil : cursor)
    }
    func deleteToken(id: String, username: String) async throws -> Bool {
        guard fault == .anyoneDeletesTokens else { return try await base.deleteToken(id: id, username: username) }
        guard let owner = try await base.tokens(username: "alice").first(where: { $0.id == id })?.username else { return false }
        return try await base.deleteToken(id: id, username: owner)
    }
}
