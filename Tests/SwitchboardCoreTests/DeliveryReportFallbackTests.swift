import Foundation
import SwitchboardCore
import Testing

/// A gateway's "failed" report is a permanent failure learnt late: it must end the same way as
/// one met at send time (last error, channel fallback).
@Suite struct DeliveryReportFallback {
    func hubWithFallback() async throws -> (Hub, BucketConnector, BucketConnector) {
        let sms = BucketConnector(name: "modem", channels: [.sms])
        let mail = BucketConnector(name: "smtp", channels: [.email])
        let hub = try makeHub(
            connectors: [sms, mail],
            channelSettings: [
                .sms: ChannelSettings(route: ["modem"], fallback: .email), .email: ChannelSettings(route: ["smtp"]),
            ]
        )
        try await hub.store.createContact(Contact(name: "Kari", addresses: [.sms("+4712345678"), .email("kari@example.org")]))
        return (hub, sms, mail)
    }

    @Test func aFailedReportSetsTheLastErrorAndFallsBackToTheContactsEmail() async throws {
        let (hub, sms, mail) = try await hubWithFallback()
        let a = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "evacuate"), sender: "ops")
        await hub.dispatcher.drain()
        #expect(sms.sent().map(\.text) == ["evacuate"])
        let smsDelivery = try #require(try await hub.store.message(id: a.record.message.id)?.deliveries.first)
        #expect(smsDelivery.status == .sent && smsDelivery.lastError == nil)

        let after = try await hub.deliveryReport(
            connector: "modem",
            deliveryID: smsDelivery.id,
            status: .failed,
            detail: "DLR 2, not delivered: absent subscriber"
        )
        #expect(after.status == .failed)
        #expect(after.lastError == "delivery report: failed (DLR 2, not delivered: absent subscriber)")
        let record = try #require(try await hub.store.message(id: a.record.message.id))
        #expect(record.deliveries.map(\.address) == [.sms("+4712345678"), .email("kari@example.org")])
        #expect(record.deliveries[1].status == .queued)
        await hub.dispatcher.drain()
        #expect(mail.sent(to: .email("kari@example.org")).map(\.text) == ["evacuate"])

        // Gateways repeat reports: the same one again makes no second fallback.
        _ = try await hub.deliveryReport(
            connector: "modem",
            deliveryID: smsDelivery.id,
            status: .failed,
            detail: "DLR 2, not delivered: absent subscriber"
        )
        #expect(try await hub.store.message(id: a.record.message.id)?.deliveries.count == 2)
    }

    @Test func aDeliveredReportNeitherSetsAnErrorNorFallsBack() async throws {
        let (hub, _, mail) = try await hubWithFallback()
        let a = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "all clear"), sender: "ops")
        await hub.dispatcher.drain()
        let id = try #require(try await hub.store.message(id: a.record.message.id)?.deliveries.first?.id)
        let after = try await hub.deliveryReport(connector: "modem", deliveryID: id, status: .delivered, detail: "DLR 1")
        #expect(after.status == .delivered && after.lastError == nil)
        await hub.dispatcher.drain()
        #expect(try await hub.store.message(id: a.record.message.id)?.deliveries.count == 1)
        #expect(mail.sent().isEmpty)
    }

    @Test func aFailedReportWithoutAFallbackChannelOnlyFails() async throws {
        let sms = BucketConnector(name: "modem", channels: [.sms])
        let hub = try makeHub(connectors: [sms], channelSettings: [.sms: ChannelSettings(route: ["modem"])])
        try await hub.store.createContact(Contact(name: "Kari", addresses: [.sms("+4712345678"), .email("kari@example.org")]))
        let a = try await hub.send(SendRequest(to: ["sms:+4712345678"], text: "x"), sender: "ops")
        await hub.dispatcher.drain()
        let id = try #require(try await hub.store.message(id: a.record.message.id)?.deliveries.first?.id)
        let after = try await hub.deliveryReport(connector: "modem", deliveryID: id, status: .failed, detail: nil)
        #expect(after.status == .failed && after.lastError == "delivery report: failed")
        #expect(try await hub.store.message(id: a.record.message.id)?.deliveries.count == 1)
    }
}
