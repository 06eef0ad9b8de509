import Foundation
import SwitchboardCore

/// The behaviour of the accounts part of a store (`AccountStore`: users, contacts, groups,
/// sessions, tokens), runnable on its own so a store that implements only that part
/// (PostgreSQL while it is being built) is held to the same checks. `StoreConformance` runs
/// every one of these too, through `StoreConformance.accounts`.
package struct AccountStoreConformance: Sendable {
    /// One check of the suite, so a runner can list, parameterise or pick them.
    package enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        case userLifecycle, deleteUserRemovesCredentialsAndUnlinksContacts, contactLifecycle
        case contactsByAddressAndUsername, groupLifecycle, groupMembers
        case sessionsExpire, sessionsInUseAreRenewed, passwordChangeEndsOtherSessions, tokensBelongToTheirUser
        case tokensKeepTheirScopes
        case contactSearchPagesInNameOrder, groupsPageInNameOrder, usersPageInNameOrder, tokensPageOldestFirst
        case groupSearchFindsNamesHoldingEveryWord
        case groupMemberCountsCoverTheWholeGroup, groupNamesOfAContact, adminsAreCounted

        package var description: String { rawValue }
    }

    let makeStore: @Sendable () async throws -> any AccountStore

    /// `makeStore` must return a new, empty store on every call.
    package init(makeStore: @escaping @Sendable () async throws -> any AccountStore) {
        self.makeStore = makeStore
    }

    /// Runs one check.
    package func run(_ check: Check) async throws {
        switch check {
        case .userLifecycle: try await userLifecycle()
        case .deleteUserRemovesCredentialsAndUnlinksContacts: try await deleteUserRemovesCredentialsAndUnlinksContacts()
        case .contactLifecycle: try await contactLifecycle()
        case .contactsByAddressAndUsername: try await contactsByAddressAndUsername()
        case .groupLifecycle: try await groupLifecycle()
        case .groupMembers: try await groupMembers()
        case .sessionsExpire: try await sessionsExpire()
        case .sessionsInUseAreRenewed: try await sessionsInUseAreRenewed()
        case .passwordChangeEndsOtherSessions: try await passwordChangeEndsOtherSessions()
        case .tokensBelongToTheirUser: try await tokensBelongToTheirUser()
        case .tokensKeepTheirScopes: try await tokensKeepTheirScopes()
        case .contactSearchPagesInNameOrder: try await contactSearchPagesInNameOrder()
        case .groupsPageInNameOrder: try await groupsPageInNameOrder()
        case .groupSearchFindsNamesHoldingEveryWord: try await groupSearchFindsNamesHoldingEveryWord()
        case .usersPageInNameOrder: try await usersPageInNameOrder()
        case .tokensPageOldestFirst: try await tokensPageOldestFirst()
        case .groupMemberCountsCoverTheWholeGroup: try await groupMemberCountsCoverTheWholeGroup()
        case .groupNamesOfAContact: try await groupNamesOfAContact()
        case .adminsAreCounted: try await adminsAreCounted()
        }
    }

    /// Runs every check in order and stops at the first failure.
    package func runAll() async throws {
        for check in Check.allCases { try await run(check) }
    }
}

extension AccountStoreConformance: ConformanceAssertions {}
