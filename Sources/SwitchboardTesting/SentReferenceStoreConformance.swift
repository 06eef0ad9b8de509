import Foundation
import SwitchboardCore

/// What every `SentReferenceStore` must do, so a modem's status report finds the same
/// delivery whichever store keeps the references (SQLite, memory, PostgreSQL later). Each
/// check gets a fresh store; dates are whole seconds apart.
package struct SentReferenceStoreConformance: Sendable {
    /// One check of the suite, so a runner can list, parameterise or pick them.
    package enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        case reportsMatchByConnectorReferenceAndRecipient, aLongMessageIsDeliveredWhenEveryPartIs, onePartFailingFailsTheDelivery
        case aReusedReferenceMatchesTheNewestUnfinishedPart, aRepeatedReportFindsTheSamePart, partsOutsideTheWindowAreNotMatched
        case aRetryReplacesTheEarlierSend, purgeForgetsOnlyOldPartsOfOneConnector

        package var description: String { rawValue }
    }

    let makeStore: @Sendable () async throws -> any SentReferenceStore

    /// `makeStore` must return a new, empty store on every call.
    package init(makeStore: @escaping @Sendable () async throws -> any SentReferenceStore) {
        self.makeStore = makeStore
    }

    package func run(_ check: Check) async throws {
        switch check {
        case .reportsMatchByConnectorReferenceAndRecipient: try await reportsMatchByConnectorReferenceAndRecipient()
        case .aLongMessageIsDeliveredWhenEveryPartIs: try await aLongMessageIsDeliveredWhenEveryPartIs()
        case .onePartFailingFailsTheDelivery: try await onePartFailingFailsTheDelivery()
        case .aReusedReferenceMatchesTheNewestUnfinishedPart: try await aReusedReferenceMatchesTheNewestUnfinishedPart()
        case .aRepeatedReportFindsTheSamePart: try await aRepeatedReportFindsTheSamePart()
        case .partsOutsideTheWindowAreNotMatched: try await partsOutsideTheWindowAreNotMatched()
        case .aRetryReplacesTheEarlierSend: try await aRetryReplacesTheEarlierSend()
        case .purgeForgetsOnlyOldPartsOfOneConnector: try await purgeForgetsOnlyOldPartsOfOneConnector()
        }
    }

    package func runAll() async throws {
        for check in Check.allCases { try await run(check) }
    }

    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func part(
        _ delivery: String,
        reference: Int,
        to recipient: String = "+4712345678",
        connector: String = "gsm-1",
        at seconds: TimeInterval = 0,
        part: Int = 0,
        of parts: Int = 1
    ) -> SentPart {
        SentPart(
            connector: connector,
            reference: reference,
            recipient: recipient,
            sentAt: t0.addingTimeInterval(seconds),
            deliveryID: delivery,
            part: part,
            parts: parts
        )
    }

    /// Reports `outcome` for `reference` to `recipient` on `connector`, matching parts sent from `since` seconds after t0.
    func report(
        _ store: any SentReferenceStore,
        _ reference: Int,
        _ outcome: SentPart.Outcome,
        to recipient: String = "+4712345678",
        connector: String = "gsm-1",
        since: TimeInterval = -3600
    ) async throws -> SentPartMatch? {
        try await store.matchSent(
            connector: connector,
            reference: reference,
            recipient: recipient,
            outcome: outcome,
            since: Self.t0.addingTimeInterval(since)
        )
    }

    func reportsMatchByConnectorReferenceAndRecipient() async throws {
        let store = try await makeStore()
        try await store.recordSent(Self.part("d1", reference: 12))
        try await store.recordSent(Self.part("d2", reference: 12, to: "+4798765432"))
        try await store.recordSent(Self.part("d3", reference: 12, connector: "gsm-2"))
        try expectEqual(try await report(store, 13, .delivered), nil, "another reference matches nothing")
        try expectEqual(try await report(store, 12, .delivered, connector: "gsm-3"), nil, "another connector's reference matches nothing")
        try expectEqual(try await report(store, 12, .delivered, to: "+4711111111"), nil, "another recipient matches nothing")
        // The network may report the number in national format: the last 7 digits decide.
        let national = try await report(store, 12, .delivered, to: "98765432")
        try expectEqual(national, SentPartMatch(deliveryID: "d2", part: 0, parts: 1, verdict: .delivered), "a national number finds its part")
        let other = try await report(store, 12, .failed, connector: "gsm-2")
        try expectEqual(other, SentPartMatch(deliveryID: "d3", part: 0, parts: 1, verdict: .failed), "each connector's part is its own")
        let pending = try await report(store, 12, .pending)
        try expectEqual(pending, SentPartMatch(deliveryID: "d1", part: 0, parts: 1, verdict: .progress), "a pending report is progress")
        let done = try await report(store, 12, .delivered)
        try expectEqual(done, SentPartMatch(deliveryID: "d1", part: 0, parts: 1, verdict: .delivered), "a pending report left the part open")
    }

    func aLongMessageIsDeliveredWhenEveryPartIs() async throws {
        let store = try await makeStore()
        for (i, mr) in [20, 21, 22].enumerated() { try await store.recordSent(Self.part("d1", reference: mr, part: i, of: 3)) }
        try expectEqual(try await report(store, 22, .delivered)?.verdict, .progress, "one part of three is progress")
        try expectEqual(try await report(store, 20, .delivered)?.verdict, .progress, "two parts of three are progress")
        let last = try await report(store, 21, .delivered)
        try expectEqual(last, SentPartMatch(deliveryID: "d1", part: 1, parts: 3, verdict: .delivered), "every part delivered")
    }

    func onePartFailingFailsTheDelivery() async throws {
        let store = try await makeStore()
        for (i, mr) in [30, 31].enumerated() { try await store.recordSent(Self.part("d1", reference: mr, part: i, of: 2)) }
        try expectEqual(try await report(store, 31, .failed)?.verdict, .failed, "a failed part fails the delivery")
        try expectEqual(try await report(store, 30, .delivered)?.verdict, .failed, "the delivery stays failed")
    }

    func aReusedReferenceMatchesTheNewestUnfinishedPart() async throws {
        let store = try await makeStore()
        // 256 messages later the reference comes round again, to the same number.
        try await store.recordSent(Self.part("old", reference: 7, at: 0))
        try await store.recordSent(Self.part("new", reference: 7, at: 600))
        try expectEqual(try await report(store, 7, .delivered)?.deliveryID, "new", "the newest part first")
        // The newest is finished now; a late report for the older one finds it.
        try expectEqual(try await report(store, 7, .failed)?.deliveryID, "old", "then the newest unfinished one")
    }

    func aRepeatedReportFindsTheSamePart() async throws {
        let store = try await makeStore()
        try await store.recordSent(Self.part("d1", reference: 9))
        try expectEqual(try await report(store, 9, .delivered)?.verdict, .delivered, "the first report")
        let again = try await report(store, 9, .failed)
        try expectEqual(again, SentPartMatch(deliveryID: "d1", part: 0, parts: 1, verdict: .delivered), "a repeat finds it; the first outcome stays")
    }

    func partsOutsideTheWindowAreNotMatched() async throws {
        let store = try await makeStore()
        try await store.recordSent(Self.part("d1", reference: 5, at: 0))
        try expectEqual(try await report(store, 5, .delivered, since: 1), nil, "a part sent before the window is not matched")
        try expectEqual(try await report(store, 5, .delivered, since: 0)?.deliveryID, "d1", "one sent at its start is")
    }

    func aRetryReplacesTheEarlierSend() async throws {
        let store = try await makeStore()
        // The first send got one part of two out, then failed; the retry sent both.
        try await store.recordSent(Self.part("d1", reference: 40, at: 0, part: 0, of: 2))
        try await store.recordSent(Self.part("d1", reference: 41, at: 60, part: 0, of: 2))
        try await store.recordSent(Self.part("d1", reference: 42, at: 60, part: 1, of: 2))
        try expectEqual(try await report(store, 40, .delivered), nil, "the earlier send's part is gone")
        try expectEqual(try await report(store, 41, .delivered)?.verdict, .progress, "the retry's first part")
        try expectEqual(try await report(store, 42, .delivered)?.verdict, .delivered, "the retry's parts decide")
    }

    func purgeForgetsOnlyOldPartsOfOneConnector() async throws {
        let store = try await makeStore()
        try await store.recordSent(Self.part("old", reference: 1, at: 0))
        try await store.recordSent(Self.part("new", reference: 2, at: 100))
        try await store.recordSent(Self.part("other", reference: 3, connector: "gsm-2", at: 0))
        let purged = try await store.purgeSent(connector: "gsm-1", before: Self.t0.addingTimeInterval(50))
        try expectEqual(purged, 1, "one part was older")
        try expectEqual(try await report(store, 1, .delivered), nil, "the old part is forgotten")
        try expectEqual(try await report(store, 2, .delivered)?.deliveryID, "new", "the newer part stays")
        try expectEqual(try await report(store, 3, .delivered, connector: "gsm-2")?.deliveryID, "other", "another connector's part stays")
    }
}

extension SentReferenceStoreConformance: ConformanceAssertions {}
