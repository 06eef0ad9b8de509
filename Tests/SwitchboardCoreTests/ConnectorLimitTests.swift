import Foundation
import SwitchboardCore
import Testing

/// `max_in_flight` and `throughput` have one owner, the dispatcher's `ConnectorGate`, and one
/// default, whatever the engine.
@Suite struct ConnectorLimits {
    @Test func oneDefaultOfEightForEveryConnector() throws {
        #expect(ConnectorGate.Configuration().maxInFlight == 8)
        #expect(ConnectorGate.Configuration.defaultMaxInFlight == 8)
        let parsed = ConfigTestEngines.parse("connectors:\n  modem:\n    engine: bucket\n    channels: [sms]\n")
        let modem = try #require(parsed.configuration?.connectors.first)
        #expect(modem.dispatch.gate.maxInFlight == 8 && modem.dispatch.gate.throughput == nil)
    }

    @Test func theGateHoldsSendsBeyondTheConnectorsMaxInFlight() async throws {
        let held = HeldConnector()
        var dispatch = ConnectorDispatchSettings()
        dispatch.gate.maxInFlight = 2
        let hub = try makeHub(
            connectors: [held],
            channelSettings: [.sms: ChannelSettings(route: ["held"])],
            connectorSettings: [ConnectorSettings(name: "held", engine: "held", channels: [.sms], settings: .mapping([], nil), dispatch: dispatch)],
            dispatcher: { $0.workers = 6 }
        )
        for i in 0..<6 { _ = try await hub.send(SendRequest(to: ["sms:+47400000\(40 + i)"], text: "alert \(i)"), sender: "ops") }
        async let drained: Void = hub.dispatcher.drain()
        await held.waitForStarts(2)
        held.open()
        await drained
        #expect(held.started.count == 6)
        #expect(held.peak == 2)
    }
}
