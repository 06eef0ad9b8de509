import Foundation
import SwitchboardCore
import Synchronization
import Testing

/// A connector whose link comes up after the hub starts (a modem opening and registering, on
/// start or on the node that takes it over) refuses sends until then; those refusals do not
/// take it out of rotation for the gate's cool-down once it is up.
@Suite struct LinkDownDispatchTests {
    /// Refuses sends (transiently) while its link is down, as a modem not yet registered does.
    final class LinkedConnector: ConnectorLinkReporting {
        let name: String
        let engine = "linked"
        let channels: [ChannelName] = [.sms]
        private let state = Mutex((up: false, sent: [String](), refused: 0))

        init(name: String) { self.name = name }

        var link: ConnectorLink {
            state.withLock { $0.up } ? ConnectorLink(up: true, detail: "registered") : ConnectorLink(up: false, detail: "not registered")
        }

        func setUp(_ up: Bool) { state.withLock { $0.up = up } }
        var sent: [String] { state.withLock { $0.sent } }
        var refused: Int { state.withLock { $0.refused } }

        func send(_ outbound: Outbound) async throws -> Receipt {
            try state.withLock { s in
                guard s.up else {
                    s.refused += 1
                    throw ConnectorError.transient("\(name) is not registered on a network")
                }
                s.sent.append(outbound.message.text)
                return Receipt(id: "r\(s.sent.count)")
            }
        }
    }

    @Test(arguments: [ChannelSettings.RouteStrategy.failover, .spread])
    func aConnectorWhoseLinkCameUpIsUsedAtOnceNotAfterACoolDown(strategy: ChannelSettings.RouteStrategy) async throws {
        let gsm = LinkedConnector(name: "gsm")
        let hub = try makeHub(
            connectors: [gsm],
            retry: (delay: 1, limit: 60),
            channelSettings: [.sms: ChannelSettings(route: ["gsm"], strategy: strategy)]
        )
        // More sends than the gate's failure threshold (5) arrive before the link is up.
        let texts = (0..<6).map { "alert \($0)" }
        var ids: [String] = []
        for text in texts {
            ids.append(try await hub.send(SendRequest(to: ["sms:+4712345678"], text: text), sender: "ops").record.message.id)
        }
        var now = Date()
        for _ in 0..<3 {
            now += 600
            await hub.dispatcher.dispatchOnce(now: now)
        }
        for id in ids {
            let d = try #require(try await hub.store.message(id: id)?.deliveries.first)
            #expect(d.status == .queued, "waits while the link is down")
            #expect(d.lastError?.contains("not registered") == true, "\(d.lastError ?? "no error")")
        }
        #expect(gsm.refused >= 6, "tried, and refused, while its link was down")

        gsm.setUp(true)
        now += 600
        await hub.dispatcher.dispatchOnce(now: now)
        #expect(Set(gsm.sent) == Set(texts), "sent as soon as the link is up")
        #expect(hub.dispatcher.gates["gsm"]?.coolingDown() == nil)
    }
}
