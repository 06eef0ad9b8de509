import Foundation
import SwitchboardCore
import Synchronization
import Testing

@testable import SwitchboardModem

/// What a status report does once decoded: matched through the store, handed to the hub, and
/// whether a stored one may leave the SIM (only when the hub has it, or it can never apply).
@Suite struct ModemReportTests {
    /// A hub stand-in that records reports, or refuses them with `refusal`.
    final class Sink: InboundSink {
        let reports = Mutex<[(String, DeliveryReportOutcome)]>([])
        let refusal: SwitchboardError?
        init(refusal: SwitchboardError? = nil) { self.refusal = refusal }
        func receive(_ inbound: InboundMessage) async throws -> InboundResult { InboundResult(messageID: "m", disposition: .pass) }
        func knowsRecipient(_ address: Address) async throws -> Bool { false }
        func deliveryReported(connector: String, deliveryID: String, outcome: DeliveryReportOutcome, detail: String?) async throws {
            if let refusal { throw refusal }
            reports.withLock { $0.append((deliveryID, outcome)) }
        }
    }

    /// A store that cannot be reached.
    struct BrokenStore: SentReferenceStore {
        func recordSent(_ part: SentPart) async throws { throw SwitchboardError(.unavailable, code: "storage_full", "full") }
        func matchSent(connector: String, reference: Int, recipient: String, outcome: SentPart.Outcome, since: Date) async throws -> SentPartMatch? {
            throw SwitchboardError(.unavailable, code: "storage_full", "full")
        }
        func purgeSent(connector: String, before cutoff: Date) async throws -> Int { 0 }
    }

    static func connector(sink: Sink, store: any SentReferenceStore) async throws -> ModemConnector {
        let c = ModemConnector(name: "gsm-1", configuration: .init(device: "/dev/null"))
        c.state.withLock {
            $0.sink = sink
            $0.references = store
        }
        return c
    }

    static func report(_ mr: UInt8, status: UInt8 = 0) throws -> SMSStatusReport {
        let now = Date()
        return SMSStatusReport(
            smsc: nil,
            reference: mr,
            recipient: try PDUAddress.number("+4712345678"),
            submittedAt: now,
            dischargedAt: now,
            status: status
        )
    }

    static func recorded(_ mr: Int) async throws -> MemoryStore {
        let store = MemoryStore()
        try await store.recordSent(
            SentPart(connector: "gsm-1", reference: mr, recipient: "+4712345678", sentAt: Date(), deliveryID: "d1", part: 0, parts: 1)
        )
        return store
    }

    @Test func aMatchedReportReachesTheHubAndLeavesTheSIM() async throws {
        let sink = Sink()
        let c = try await Self.connector(sink: sink, store: try await Self.recorded(12))
        #expect(await c.reported(try Self.report(12, status: 0x41)) == .applied)
        #expect(sink.reports.withLock { $0.map(\.0) } == ["d1"])
        #expect(sink.reports.withLock { $0.map(\.1) } == [.failed])
        #expect(await c.reported(try Self.report(13)) == .unmatched)
    }

    @Test func aReportTheHubCannotTakeNowStaysToBeTriedAgain() async throws {
        let busy = Sink(refusal: SwitchboardError(.unavailable, code: "delivery_in_flight", "still being sent"))
        let c = try await Self.connector(sink: busy, store: try await Self.recorded(12))
        #expect(await c.reported(try Self.report(12)) == .retry)
        let broken = try await Self.connector(sink: Sink(), store: BrokenStore())
        #expect(await broken.reported(try Self.report(12)) == .retry)
    }

    @Test func aReportThatCanNeverApplyLeavesTheSIM() async throws {
        let refusing = Sink(refusal: .notFound("unknown_delivery", "not this connector's"))
        let c = try await Self.connector(sink: refusing, store: try await Self.recorded(12))
        #expect(await c.reported(try Self.report(12)) == .applied)
    }
}
