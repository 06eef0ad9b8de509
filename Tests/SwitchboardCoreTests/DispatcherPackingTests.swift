import Foundation
import SwitchboardCore
import SwitchboardSMS
import Testing

/// The dispatcher on a packing channel sends what the packer made of the alerts waiting
/// for one phone, and records each alert as sent, ignored or waiting accordingly.
@Suite struct DispatcherPacking {
    func hub(_ sms: BucketConnector, _ mode: PackingMode, maxParts: Int = 1) throws -> Hub {
        try makeHub(
            connectors: [sms],
            channelSettings: [.sms: ChannelSettings(route: ["modem"], packing: PackingSettings(mode: mode.rawValue, maxParts: maxParts))],
            packers: [.sms: SMSPacker(mode: mode, maxParts: maxParts).messagePacker]
        )
    }

    func status(_ hub: Hub, _ accepted: Acceptance) async throws -> DeliveryStatus? {
        try await hub.store.message(id: accepted.record.message.id)?.deliveries.first?.status
    }

    @Test func severalAlertsForOnePhoneLeaveAsOneNavPackedSMSMostSevereFirst() async throws {
        let sms = BucketConnector(name: "modem", channels: [.sms])
        let hub = try hub(sms, .nav)
        let low = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "disk 80%", severity: .warning), sender: "nav")
        let high = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "router down", severity: .critical), sender: "nav")
        let other = try await hub.send(SendRequest(to: ["sms:+4799999999"], text: "alone"), sender: "nav")
        await hub.dispatcher.drain()
        #expect(sms.sent(to: .sms("+4712345678")).map(\.text) == ["1: router down; 2: disk 80%"])
        #expect(sms.sent(to: .sms("+4799999999")).map(\.text) == ["alone"])
        for a in [low, high, other] { #expect(try await status(hub, a) == .sent) }
    }

    @Test func alertsThatDoNotFitAreIgnoredAndTheSMSSaysSo() async throws {
        let sms = BucketConnector(name: "modem", channels: [.sms])
        let hub = try hub(sms, .nav)
        var accepted: [Acceptance] = []
        for i in 1...6 {
            let text = "alert number \(i) " + String(repeating: "x", count: 30)
            accepted.append(try await hub.send(SendRequest(to: ["sms:+4712345678"], text: text), sender: "nav"))
        }
        await hub.dispatcher.drain()
        // 45 characters each: "1: A; 2: B" is 98 < 145; "; 3: C" would make it 148.
        let body = (1...2).map { "\($0): alert number \($0) " + String(repeating: "x", count: 30) }.joined(separator: "; ")
        #expect(sms.sent().map(\.text) == [body + " +4 see web."])
        var statuses: [DeliveryStatus?] = []
        for a in accepted { statuses.append(try await status(hub, a)) }
        #expect(statuses == [.sent, .sent, .ignored, .ignored, .ignored, .ignored])
    }

    @Test func aLoneNavAlertOf160CharactersIsIgnoredAndOnlyTheNoteGoesOut() async throws {
        let sms = BucketConnector(name: "modem", channels: [.sms])
        let hub = try hub(sms, .nav)
        let long = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: String(repeating: "x", count: 160)), sender: "nav")
        await hub.dispatcher.drain()
        #expect(sms.sent().map(\.text) == [" +1 see web."])
        #expect(try await status(hub, long) == .ignored)
    }

    @Test func whenTheSecondDoesNotFitTheFirstGoesUnnumberedWithTheNote() async throws {
        let sms = BucketConnector(name: "modem", channels: [.sms])
        let hub = try hub(sms, .nav)
        let first = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "gw1 down", severity: .critical), sender: "nav")
        let second = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: String(repeating: "y", count: 150)), sender: "nav")
        await hub.dispatcher.drain()
        #expect(sms.sent().map(\.text) == ["gw1 down +1 see web."])
        #expect(try await status(hub, first) == .sent)
        #expect(try await status(hub, second) == .ignored)
    }

    @Test func aNoteThatCannotBeSentLeavesEveryAlertToRetry() async throws {
        let sms = BucketConnector(name: "modem", channels: [.sms])
        sms.setFaults(transient: 1)
        let hub = try hub(sms, .nav)
        let long = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: String(repeating: "x", count: 170)), sender: "nav")
        await hub.dispatcher.dispatchOnce()
        #expect(sms.sent().isEmpty)
        let d = try #require(try await hub.store.message(id: long.record.message.id)?.deliveries.first)
        #expect(d.status == .queued && d.attempts == 1)
        sms.setFaults(transient: 0)
        await hub.dispatcher.drain()
        #expect(sms.sent().map(\.text) == [" +1 see web."])
        #expect(try await status(hub, long) == .ignored)
    }

    @Test func segmentsSendALoneLongAlertWhole() async throws {
        let sms = BucketConnector(name: "modem", channels: [.sms])
        let hub = try hub(sms, .segments)
        let text = String(repeating: "z", count: 400)
        let a = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: text), sender: "nav")
        await hub.dispatcher.drain()
        #expect(sms.sent().map(\.text) == [text])
        #expect(try await status(hub, a) == .sent)
    }

    @Test func segmentsSendTheMostSevereAloneWhenNothingFitsBesideTheNoteAndTheRestLater() async throws {
        let sms = BucketConnector(name: "modem", channels: [.sms])
        let hub = try hub(sms, .segments)
        let big = String(repeating: "€", count: 80)  // 160 septets: no room for a note
        let low = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "disk 80%", severity: .info), sender: "nav")
        let high = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: big, severity: .critical), sender: "nav")
        await hub.dispatcher.drain()
        #expect(sms.sent().map(\.text) == [big, "disk 80%"])
        #expect(try await status(hub, low) == .sent)
        #expect(try await status(hub, high) == .sent)
    }
}
