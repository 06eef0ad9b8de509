import Foundation
import SwitchboardCore
import Testing

/// What the operator's connector page reads: each connector's gate (sends in flight,
/// cool-down, outcomes, the last error, sends in the last minute) and its link.
@Suite struct ConnectorStatusTests {
    @Test func theRateWindowCountsTheLastMinuteAndForgetsOlderSeconds() {
        var window = SendRateWindow()
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        window.add(at: t0)
        window.add(at: t0.addingTimeInterval(0.5))
        window.add(at: t0.addingTimeInterval(30))
        #expect(window.count(at: t0.addingTimeInterval(30)) == 3)
        #expect(window.count(at: t0.addingTimeInterval(59.9)) == 3)
        #expect(window.count(at: t0.addingTimeInterval(60)) == 1, "the first second has left the minute")
        // A bucket reused a minute later counts only its new second.
        window.add(at: t0.addingTimeInterval(60))
        #expect(window.count(at: t0.addingTimeInterval(60)) == 2)
        #expect(window.count(at: t0.addingTimeInterval(200)) == 0)
    }

    @Test func aGateSnapshotShowsOutcomesTheLastErrorAndTheCoolDown() {
        let gate = ConnectorGate(configuration: .init(maxInFlight: 3, throughput: 2, failureThreshold: 2, cooldown: 30))
        let t0 = Date(timeIntervalSince1970: 2_000_000)
        gate.record(success: true, now: t0)
        gate.record(success: true, error: "number refused", now: t0.addingTimeInterval(1))
        var snapshot = gate.snapshot(now: t0.addingTimeInterval(2))
        #expect(snapshot.sent == 1 && snapshot.failed == 1 && snapshot.sentLastMinute == 1)
        #expect(snapshot.lastError == "number refused" && snapshot.lastErrorAt == t0.addingTimeInterval(1))
        #expect(snapshot.coolingDownFor == nil, "a refusal shows the connector works: no cool-down")
        gate.record(success: false, error: "timeout", now: t0.addingTimeInterval(3))
        gate.record(success: false, error: "timeout again", now: t0.addingTimeInterval(4))
        snapshot = gate.snapshot(now: t0.addingTimeInterval(14))
        #expect(snapshot.coolingDownFor == 20)
        #expect(snapshot.consecutiveFailures == 2 && snapshot.failed == 3 && snapshot.lastError == "timeout again")
        #expect(gate.snapshot(now: t0.addingTimeInterval(120)).sentLastMinute == 0)
        #expect(gate.tryAcquire())
        #expect(gate.snapshot(now: t0).inFlight == 1)
        gate.release()
    }

    @Test func theDispatcherReportsEachConnectorWithItsLastErrorAndLink() async throws {
        let flaky = BucketConnector(name: "flaky", channels: [.sms])
        flaky.setFaults(permanent: 1)
        let modem = LinkedBucket(name: "modem")
        var settings = ConnectorSettings(name: "flaky", engine: "bucket", channels: [.sms], settings: .mapping([]))
        settings.dispatch.gate = ConnectorGate.Configuration(maxInFlight: 2, throughput: 5)
        let hub = try makeHub(
            connectors: [flaky, modem],
            channelSettings: [.sms: ChannelSettings(route: ["flaky", "modem"])],
            connectorSettings: [settings]
        )
        _ = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "x"), sender: "ops")
        await hub.dispatcher.drain()
        let statuses = hub.dispatcher.connectorStatuses()
        #expect(statuses.map(\.name) == ["flaky", "modem"])
        let first = try #require(statuses.first)
        #expect(first.engine == "bucket" && first.maxInFlight == 2 && first.throughputLimit == 5 && first.link == nil)
        #expect(first.gate.failed == 1 && first.gate.sent == 0)
        #expect(first.gate.lastError?.contains("simulated permanent failure") == true)
        #expect(first.inRotation)
        let second = try #require(statuses.last)
        #expect(second.gate.sent == 1 && second.gate.sentLastMinute == 1 && second.gate.lastError == nil)
        #expect(second.link == ConnectorLink(up: false, detail: "not registered") && !second.inRotation)
    }
}

/// A bucket that reports a link, as a modem does.
private struct LinkedBucket: ConnectorLinkReporting {
    let bucket: BucketConnector
    init(name: String) { bucket = BucketConnector(name: name, channels: [.sms]) }
    var name: String { bucket.name }
    var engine: String { "modem" }
    var channels: [ChannelName] { bucket.channels }
    var link: ConnectorLink { ConnectorLink(up: false, detail: "not registered") }
    func send(_ outbound: Outbound) async throws -> Receipt { try await bucket.send(outbound) }
}
