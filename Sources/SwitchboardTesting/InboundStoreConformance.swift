import Foundation
import SwitchboardCore

/// The behaviour of the inbound part of a store (`InboundStore`: inbound messages, replay
/// keys, inboxes and their read marks, form submissions), runnable without the conversations
/// part so a store being built part by part (PostgreSQL) is held to the same checks.
/// `StoreConformance` runs every one of these too, through `StoreConformance.inbound`.
package struct InboundStoreConformance: Sendable {
    /// One check of the suite, so a runner can list, parameterise or pick them.
    package enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        case inboundMessageRoundTrip, inboxScopes, readFlagsArePerUser, unreadOnlyFiltersPerViewer
        case inboxPagingHasNoGapsOrDuplicates, markReadIsIdempotent, unreadCountPerScope, unroutedInboundUntilRouted
        case markUnreadAndMarkAllRead, inboxFiltersNarrowTheListing
        case formSubmissionRoundTrip, formSubmissionsPageNewestFirst, formSubmissionsFollowTheirInboxItem
        case replayKeysCommitOnce

        package var description: String { rawValue }
    }

    let makeStore: @Sendable () async throws -> any DispatchStore & AccountStore & InboundStore

    /// `makeStore` must return a new, empty store on every call.
    package init(makeStore: @escaping @Sendable () async throws -> any DispatchStore & AccountStore & InboundStore) {
        self.makeStore = makeStore
    }

    /// Runs one check.
    package func run(_ check: Check) async throws {
        switch check {
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
        case .formSubmissionRoundTrip: try await formSubmissionRoundTrip()
        case .formSubmissionsPageNewestFirst: try await formSubmissionsPageNewestFirst()
        case .formSubmissionsFollowTheirInboxItem: try await formSubmissionsFollowTheirInboxItem()
        case .replayKeysCommitOnce: try await replayKeysCommitOnce()
        }
    }

    /// Runs every check in order and stops at the first failure.
    package func runAll() async throws {
        for check in Check.allCases { try await run(check) }
    }
}

extension InboundStoreConformance: ConformanceAssertions {}
