import Foundation
import SwitchboardCore
import SwitchboardSMS
import Testing

@Suite struct DispatchPolicies {
    @Test func deliveriesQueuedPastTheAutocancelAgeAreIgnoredNotSent() async throws {
        let sms = BucketConnector(name: "modem", channels: [.sms])
        let hub = try makeHub(connectors: [sms], channelSettings: [.sms: ChannelSettings(route: ["modem"], autocancelAfter: 3600)])
        let a = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "stale"), sender: "nav")
        // Two hours later, after an outage, the dispatcher finally runs.
        await hub.dispatcher.dispatchOnce(now: Date().addingTimeInterval(7200))
        let d = try #require(try await hub.store.message(id: a.record.message.id)?.deliveries.first)
        #expect(d.status == .ignored)
        #expect(sms.sent().isEmpty)
        let changes = try await hub.store.statusChanges(deliveryID: d.id)
        #expect(changes.last?.actor == "autocancel")
    }

    @Test func smsThatFailsForGoodFallsBackToTheContactsEmail() async throws {
        let sms = BucketConnector(name: "modem", channels: [.sms])
        sms.setFaults(permanent: 1)
        let mail = BucketConnector(name: "smtp", channels: [.email])
        let hub = try makeHub(
            connectors: [sms, mail],
            channelSettings: [
                .sms: ChannelSettings(route: ["modem"], fallback: .email), .email: ChannelSettings(route: ["smtp"]),
            ]
        )
        try await hub.store.createContact(Contact(name: "Kari", addresses: [.sms("+4712345678"), .email("kari@example.org")]))
        let a = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "evacuate"), sender: "ops")
        await hub.dispatcher.drain()
        let record = try #require(try await hub.store.message(id: a.record.message.id))
        #expect(record.deliveries.map(\.status).sorted { $0.rawValue < $1.rawValue } == [.failed, .sent])
        #expect(mail.sent(to: .email("kari@example.org")).map(\.text) == ["evacuate"])
    }

    @Test func atTheRetryLimitAHoldingChannelHoldsForAnOperator() async throws {
        let sms = BucketConnector(name: "modem", channels: [.sms])
        sms.setFaults(transient: 1)
        let hub = try makeHub(
            connectors: [sms],
            channelSettings: [
                .sms: ChannelSettings(route: ["modem"], retry: RetryPolicy(delay: 0, factor: 1, maxDelay: 0, limit: 2, jitter: 0), atLimit: .hold)
            ]
        )
        let a = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "x"), sender: "ops")
        await hub.dispatcher.drain()
        let d = try #require(try await hub.store.message(id: a.record.message.id)?.deliveries.first)
        #expect(d.status == .held)
        #expect(d.attempts == 2)
    }

    @Test func permanentErrorsCanBeTreatedAsTransientPerConnector() async throws {
        let modem = BucketConnector(name: "modem", channels: [.sms])
        modem.setFaults(permanent: 1)
        var settings = ConnectorSettings(name: "modem", engine: "bucket", channels: [.sms], settings: .mapping([]))
        settings.dispatch.permanentErrorsAreTransient = true
        let hub = try makeHub(
            connectors: [modem],
            retry: (delay: 0, limit: 3),
            channelSettings: [.sms: ChannelSettings(route: ["modem"])],
            connectorSettings: [settings]
        )
        let a = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "x"), sender: "ops")
        await hub.dispatcher.dispatchOnce()
        var d = try #require(try await hub.store.message(id: a.record.message.id)?.deliveries.first)
        #expect(d.status == .queued)  // would be failed without the switch
        modem.setFaults(permanent: 0)
        await hub.dispatcher.drain()
        d = try #require(try await hub.store.message(id: a.record.message.id)?.deliveries.first)
        #expect(d.status == .sent && d.attempts == 2)
    }

    @Test func aConnectorThatKeepsFailingIsTakenOutOfRotation() async throws {
        let flaky = BucketConnector(name: "flaky", channels: [.sms])
        flaky.setFaults(transient: 1)
        let backup = BucketConnector(name: "backup", channels: [.sms])
        var settings = ConnectorSettings(name: "flaky", engine: "bucket", channels: [.sms], settings: .mapping([]))
        settings.dispatch.gate = ConnectorGate.Configuration(failureThreshold: 2, cooldown: 3600)
        let hub = try makeHub(
            connectors: [flaky, backup],
            channelSettings: [.sms: ChannelSettings(route: ["flaky", "backup"])],
            connectorSettings: [settings]
        )
        var attemptsOnFlaky = 0
        for i in 0..<5 {
            let a = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "m\(i)"), sender: "ops")
            await hub.dispatcher.drain()
            let d = try #require(try await hub.store.message(id: a.record.message.id)?.deliveries.first)
            #expect(d.status == .sent && d.connector == "backup")
            attemptsOnFlaky += try await hub.store.attempts(deliveryID: d.id).filter { $0.connector == "flaky" }.count
        }
        #expect(attemptsOnFlaky == 2)  // then out of rotation
        #expect(hub.dispatcher.gates["flaky"]?.coolingDown() != nil)
    }

    @Test func afterTheCoolDownExactlyOneProbeIsLetThroughAndSuccessClosesTheCircuit() {
        let gate = ConnectorGate(configuration: .init(failureThreshold: 2, cooldown: 30))
        let t0 = Date()
        gate.record(success: false, now: t0)
        #expect(gate.admits(now: t0))  // one failure is not enough
        gate.record(success: false, now: t0)
        #expect(!gate.admits(now: t0.addingTimeInterval(29)))
        #expect(gate.admits(now: t0.addingTimeInterval(31)))  // the probe
        #expect(!gate.admits(now: t0.addingTimeInterval(31)))  // only one until it reports back
        gate.record(success: false, now: t0.addingTimeInterval(31))
        #expect(!gate.admits(now: t0.addingTimeInterval(40)))  // failed probe: cooling down again
        #expect(gate.admits(now: t0.addingTimeInterval(62)))
        gate.record(success: true, now: t0.addingTimeInterval(62))
        #expect(gate.admits(now: t0.addingTimeInterval(62)) && gate.admits(now: t0.addingTimeInterval(62)))
    }

    @Test func theGateKeepsSendsInFlightWithinTheLimit() async throws {
        let gate = ConnectorGate(configuration: .init(maxInFlight: 2))
        let counter = InFlightCounter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<10 {
                group.addTask { await gate.withPermit { await counter.run { try? await Task.sleep(for: .milliseconds(20)) } } }
            }
        }
        #expect(await counter.peak == 2)
    }

    /// Throughput on a clock the test steps: ten sends asked for at once get slots 20 ms apart
    /// at 50/s, and a send after the last slot has passed goes at once.
    @Test func theGateSpacesSendsByTheThroughputInterval() {
        let gate = ConnectorGate(configuration: .init(throughput: 50))
        let t0 = ContinuousClock.now
        let slots = (0..<10).compactMap { _ in gate.reserveSlot(now: t0) }
        #expect(slots.map { $0 - t0 } == (0..<10).map { Duration.milliseconds(20 * $0) })
        let later = t0 + .seconds(1)
        #expect(gate.reserveSlot(now: later) == later)
        #expect(gate.reserveSlot(now: later) == later + .milliseconds(20))
        #expect(ConnectorGate(configuration: .init()).reserveSlot(now: t0) == nil)
    }
}

actor InFlightCounter {
    var current = 0, peak = 0
    func run(_ body: () async -> Void) async {
        current += 1
        peak = max(peak, current)
        await body()
        current -= 1
    }
}
