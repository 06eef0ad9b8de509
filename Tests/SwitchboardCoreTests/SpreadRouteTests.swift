import Foundation
import SwitchboardCore
import Testing

/// `strategy: spread` sends through every connector of the route with a free slot at once
/// (several modems); `failover` keeps the order as primary, then backup.
@Suite struct SpreadRoute {
    func hub(_ connectors: [HeldConnector], strategy: ChannelSettings.RouteStrategy) throws -> Hub {
        var dispatch = ConnectorDispatchSettings()
        dispatch.gate.maxInFlight = 1
        return try makeHub(
            connectors: connectors,
            channelSettings: [.sms: ChannelSettings(route: connectors.map(\.name), strategy: strategy)],
            connectorSettings: connectors.map {
                ConnectorSettings(name: $0.name, engine: "held", channels: [.sms], settings: .mapping([], nil), dispatch: dispatch)
            },
            dispatcher: { $0.workers = 4 }
        )
    }

    @Test func spreadSendsThroughBothSlowConnectorsAtOnce() async throws {
        let (a, b) = (HeldConnector("modem1"), HeldConnector("modem2"))
        let hub = try hub([a, b], strategy: .spread)
        for i in 0..<2 { _ = try await hub.send(SendRequest(to: ["sms:+47400000\(40 + i)"], text: "alert \(i)"), sender: "ops") }
        async let drained: Void = hub.dispatcher.drain()
        // Both are inside a send at the same time: neither is let through before both started.
        await a.waitForStarts(1)
        await b.waitForStarts(1)
        a.open()
        b.open()
        await drained
        #expect(a.started.count == 1 && b.started.count == 1)
        let deliveries = try await hub.store.deliveries(status: .sent, limit: 10)
        #expect(Set(deliveries.map(\.connector)) == ["modem1", "modem2"])
    }

    @Test func failoverWaitsForThePrimarysSlot() async throws {
        let (a, b) = (HeldConnector("primary"), HeldConnector("backup"))
        let hub = try hub([a, b], strategy: .failover)
        for i in 0..<2 { _ = try await hub.send(SendRequest(to: ["sms:+47400000\(40 + i)"], text: "alert \(i)"), sender: "ops") }
        async let drained: Void = hub.dispatcher.drain()
        await a.waitForStarts(1)
        a.open()
        await drained
        #expect(a.started.count == 2)
        #expect(b.started.isEmpty)
    }

    @Test func spreadStillFailsOverOnATransientFailure() async throws {
        let (down, up) = (HeldConnector("down", failing: true), HeldConnector("up"))
        up.open()
        let hub = try hub([down, up], strategy: .spread)
        _ = try await hub.send(SendRequest(to: ["sms:+4740000040"], text: "alert"), sender: "ops")
        await hub.dispatcher.drain()
        #expect(down.started.count == 1)
        #expect(up.started.count == 1)
        let sent = try await hub.store.deliveries(status: .sent, limit: 10)
        #expect(sent.map(\.connector) == ["up"])
    }

    @Test func aClaimTakesTheFirstSlotFreedAndOtherGatesDropIt() async throws {
        let (g1, g2) = (ConnectorGate(configuration: .init(maxInFlight: 1)), ConnectorGate(configuration: .init(maxInFlight: 1)))
        #expect(g1.tryAcquire() && g2.tryAcquire())
        #expect(!g1.tryAcquire() && !g2.tryAcquire())
        async let won = SlotClaim.first(of: [g1, g2])
        // Whether or not the claim is queued yet, g2's freed slot ends up with it.
        g2.release()
        let gate = await won
        #expect(gate === g2)
        #expect(!g2.tryAcquire())
        // g1 drops the served claim: its slot goes back to the pool.
        g1.release()
        #expect(g1.tryAcquire())
    }

    @Test func strategyIsParsedAndCheckedWithTheChannelKeys() throws {
        let yaml = "connectors:\n  m1:\n    engine: bucket\n    channels: [sms]\nchannels:\n  sms:\n    route: [m1]\n    strategy: "
        let spread = ConfigTestEngines.parse(yaml + "spread\n")
        #expect(spread.configuration?.channels[.sms]?.strategy == .spread)
        let plain = ConfigTestEngines.parse(yaml.replacingOccurrences(of: "\n    strategy: ", with: "\n"))
        #expect(plain.configuration?.channels[.sms]?.strategy == .failover)
        let wrong = ConfigTestEngines.parse(yaml + "roundrobin\n")
        #expect(wrong.configuration == nil)
        #expect(wrong.problem(at: "channels.sms.strategy")?.message.contains("failover, spread") == true)
    }
}
