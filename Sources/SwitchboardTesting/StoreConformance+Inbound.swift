import Foundation
import SwitchboardCore

// The inbound checks, run as part of the whole store's suite (their bodies live in
// `InboundStoreConformance`, so a store without conversations yet can run them alone).
extension StoreConformance {
    /// The checks of the inbound part (inbound messages, replay keys, inboxes, forms), which
    /// every `HubStore` passes too.
    package var inbound: InboundStoreConformance { InboundStoreConformance(makeStore: makeStore) }

    package func inboundMessageRoundTrip() async throws { try await inbound.run(.inboundMessageRoundTrip) }
    package func inboxScopes() async throws { try await inbound.run(.inboxScopes) }
    package func readFlagsArePerUser() async throws { try await inbound.run(.readFlagsArePerUser) }
    package func unreadOnlyFiltersPerViewer() async throws { try await inbound.run(.unreadOnlyFiltersPerViewer) }
    package func inboxPagingHasNoGapsOrDuplicates() async throws { try await inbound.run(.inboxPagingHasNoGapsOrDuplicates) }
    package func markReadIsIdempotent() async throws { try await inbound.run(.markReadIsIdempotent) }
    package func unreadCountPerScope() async throws { try await inbound.run(.unreadCountPerScope) }
    package func unroutedInboundUntilRouted() async throws { try await inbound.run(.unroutedInboundUntilRouted) }
    package func markUnreadAndMarkAllRead() async throws { try await inbound.run(.markUnreadAndMarkAllRead) }
    package func inboxFiltersNarrowTheListing() async throws { try await inbound.run(.inboxFiltersNarrowTheListing) }
    package func formSubmissionRoundTrip() async throws { try await inbound.run(.formSubmissionRoundTrip) }
    package func formSubmissionsPageNewestFirst() async throws { try await inbound.run(.formSubmissionsPageNewestFirst) }
    package func formSubmissionsFollowTheirInboxItem() async throws { try await inbound.run(.formSubmissionsFollowTheirInboxItem) }
    package func replayKeysCommitOnce() async throws { try await inbound.run(.replayKeysCommitOnce) }
}
