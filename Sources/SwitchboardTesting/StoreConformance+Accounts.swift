import Foundation
import SwitchboardCore

// The accounts checks, run as part of the whole store's suite (their bodies live in
// `AccountStoreConformance`, so a store implementing only that part can run them alone).
extension StoreConformance {
    /// The checks of the accounts part (users, contacts, groups, sessions, tokens), which every
    /// `HubStore` passes too.
    package var accounts: AccountStoreConformance { AccountStoreConformance(makeStore: makeStore) }

    package func userLifecycle() async throws { try await accounts.run(.userLifecycle) }
    package func deleteUserRemovesCredentialsAndUnlinksContacts() async throws {
        try await accounts.run(.deleteUserRemovesCredentialsAndUnlinksContacts)
    }
    package func contactLifecycle() async throws { try await accounts.run(.contactLifecycle) }
    package func contactsByAddressAndUsername() async throws { try await accounts.run(.contactsByAddressAndUsername) }
    package func groupLifecycle() async throws { try await accounts.run(.groupLifecycle) }
    package func groupMembers() async throws { try await accounts.run(.groupMembers) }
    package func sessionsExpire() async throws { try await accounts.run(.sessionsExpire) }
    package func sessionsInUseAreRenewed() async throws { try await accounts.run(.sessionsInUseAreRenewed) }
    package func passwordChangeEndsOtherSessions() async throws { try await accounts.run(.passwordChangeEndsOtherSessions) }
    package func tokensBelongToTheirUser() async throws { try await accounts.run(.tokensBelongToTheirUser) }
    package func tokensKeepTheirScopes() async throws { try await accounts.run(.tokensKeepTheirScopes) }
}
