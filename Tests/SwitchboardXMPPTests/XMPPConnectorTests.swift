import Foundation
import NIOCore
import NIOEmbedded
import SwitchboardCore
import Testing

@testable import SwitchboardXMPP

/// The connector's decisions between the link and the hub, with a testing channel as the link
/// and a sink that records: what reaches the sink, what is written back, and when a send returns.
@Suite struct XMPPConnectorTests {
    actor RecordingSink: InboundSink {
        var received: [InboundMessage] = []
        var presence: [PresenceEvent] = []
        var reports: [String] = []
        var known: [Address] = []
        var refuse = false

        func know(_ address: Address) { known.append(address) }
        func refuseMessages() { refuse = true }

        func receive(_ inbound: InboundMessage) async throws -> InboundResult {
            if refuse { throw ConnectorError.transient("disk full") }
            received.append(inbound)
            return InboundResult(messageID: "m\(received.count)", disposition: .pass)
        }
        func knowsRecipient(_ address: Address) async throws -> Bool { known.contains(address) }
        func presenceChanged(_ event: PresenceEvent) async throws { presence.append(event) }
        func deliveryReported(connector: String, deliveryID: String, outcome: DeliveryReportOutcome, detail: String?) async throws {
            reports.append("\(connector) \(deliveryID) \(outcome.rawValue) \(detail ?? "-")")
        }
    }

    static func connector(_ policy: XMPPSubscriptionPolicy = .contacts, sendTimeout: Duration = .seconds(20)) -> XMPPConnector {
        var c = XMPPConnector.Configuration(jid: JID("hub@example.org")!, password: "x")
        c.subscriptions = policy
        c.sendTimeout = sendTimeout
        return XMPPConnector(name: "chat", channels: [.im], configuration: c)
    }

    static func link() async throws -> NIOAsyncTestingChannel {
        let channel = NIOAsyncTestingChannel()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5222)).get()
        return channel
    }

    static func outbound(_ message: String, to: Address = .xmpp("kari@example.org")) -> Outbound {
        let now = Date()
        let m = Message(id: "msg-1", text: message, createdAt: now)
        let d = Delivery(id: "dlv-1", messageID: m.id, address: to, channel: .im, createdAt: now)
        return Outbound(delivery: d, message: m)
    }

    @Test func aChatIsCommittedBeforeItIsAcknowledgedAndItsReceiptRequestAnswered() async throws {
        let connector = Self.connector()
        let sink = RecordingSink()
        let channel = try await Self.link()
        var presence = PresenceTracker()
        let chat = XMPPClientStateMachine.Chat(from: JID("Kari@example.org/phone")!, body: "On my way", subject: nil, seq: 3, receiptID: "m1")
        await connector.handle(.receive(chat), sink: sink, channel: channel, presence: &presence)
        let received = await sink.received
        #expect(received.map(\.from) == [.xmpp("kari@example.org")])
        #expect(received.first?.to == .xmpp("hub@example.org") && received.first?.connector == "chat" && received.first?.text == "On my way")
        guard case .handled(let seq) = try await channel.waitForOutboundWrite(as: XMPPClientStateMachine.Event.self) else {
            Issue.record("the chat was not acknowledged")
            return
        }
        #expect(seq == 3)
        guard case .write(let receipt) = try await channel.waitForOutboundWrite(as: XMPPClientStateMachine.Event.self) else {
            Issue.record("no receipt")
            return
        }
        #expect(
            XMLWriter.write(receipt) == "<message to='kari@example.org/phone' id='receipt-m1'><received xmlns='urn:xmpp:receipts' id='m1'/></message>"
        )
    }

    @Test func aChatTheSinkCannotTakeIsNotAcknowledgedAndTheLinkCloses() async throws {
        let connector = Self.connector()
        let sink = RecordingSink()
        await sink.refuseMessages()
        let channel = try await Self.link()
        var presence = PresenceTracker()
        let chat = XMPPClientStateMachine.Chat(from: JID("kari@example.org/phone")!, body: "x", subject: nil, seq: 1, receiptID: "m1")
        await connector.handle(.receive(chat), sink: sink, channel: channel, presence: &presence)
        try await channel.closeFuture.get()
        #expect(try await channel.readOutbound(as: XMPPClientStateMachine.Event.self) == nil)
    }

    @Test func subscriptionRequestsFollowThePolicy() async throws {
        for (policy, known, stranger) in [
            (XMPPSubscriptionPolicy.contacts, true, false), (.everyone, true, true), (.none, false, false),
        ] {
            let connector = Self.connector(policy)
            let sink = RecordingSink()
            await sink.know(.xmpp("kari@example.org"))
            let channel = try await Self.link()
            var presence = PresenceTracker()
            for (jid, expected) in [("kari@example.org", known), ("ola@example.org", stranger)] {
                await connector.handle(.subscriptionRequest(JID(jid)!), sink: sink, channel: channel, presence: &presence)
                guard case .answerSubscription(let to, let approve) = try await channel.waitForOutboundWrite(as: XMPPClientStateMachine.Event.self)
                else {
                    Issue.record("no answer for \(jid)")
                    continue
                }
                #expect(to == JID(jid) && approve == expected, "\(policy) \(jid)")
            }
        }
    }

    @Test func presenceReceiptsAndBouncesReachTheSink() async throws {
        let connector = Self.connector()
        let sink = RecordingSink()
        let channel = try await Self.link()
        var presence = PresenceTracker()
        for event in [
            XMPPLinkEvent.presence(JID("kari@example.org/phone")!, available: true), .presence(JID("kari@example.org/laptop")!, available: true),
            .presence(JID("kari@example.org/phone")!, available: false), .presence(JID("kari@example.org/laptop")!, available: false),
            .receipt("dlv-1"), .bounced("dlv-2", reason: "service-unavailable"),
        ] {
            await connector.handle(event, sink: sink, channel: channel, presence: &presence)
        }
        let events = await sink.presence
        #expect(events.map(\.available) == [true, false])
        #expect(events.allSatisfy { $0.address == .xmpp("kari@example.org") && $0.connector == "chat" })
        #expect(await sink.reports == ["chat dlv-1 delivered -", "chat dlv-2 failed the server returned it: service-unavailable"])
    }

    @Test func aSendReturnsOnlyOnceTheServerAcknowledgesIt() async throws {
        let connector = Self.connector()
        let channel = try await Self.link()
        connector.linkReady(channel)
        let send = Task { try await connector.send(Self.outbound("Road closed & <icy>")) }
        guard case .send(let id, let stanza) = try await channel.waitForOutboundWrite(as: XMPPClientStateMachine.Event.self) else {
            Issue.record("nothing written")
            return
        }
        #expect(id == "dlv-1")
        #expect(
            XMLWriter.write(stanza)
                == "<message type='chat' id='dlv-1' to='kari@example.org'><body>Road closed &amp; &lt;icy&gt;</body><request xmlns='urn:xmpp:receipts'/></message>"
        )
        connector.acknowledged(["other"])
        connector.acknowledged(["dlv-1"])
        #expect(try await send.value == Receipt(id: "dlv-1"))
    }

    @Test func aMessageWaitingForALinkIsWrittenWhenOneIsReady() async throws {
        let connector = Self.connector()
        let send = Task { try await connector.send(Self.outbound("held")) }
        // The send registers itself before anything is ready; a ready link then writes it.
        while connector.state.withLockedValue({ $0.pending.isEmpty }) { await Task.yield() }
        let channel = try await Self.link()
        connector.linkReady(channel)
        guard case .send(let id, _) = try await channel.waitForOutboundWrite(as: XMPPClientStateMachine.Event.self) else {
            Issue.record("nothing written")
            return
        }
        connector.acknowledged([id])
        #expect(try await send.value.id == "dlv-1")
    }

    @Test func anUnacknowledgedSendFailsTransientlyAfterItsTimeout() async throws {
        let connector = Self.connector(sendTimeout: .milliseconds(50))
        await #expect(throws: ConnectorError.self) { try await connector.send(Self.outbound("nobody listens")) }
        #expect(connector.state.withLockedValue { $0.pending.isEmpty })
        await #expect(throws: ConnectorError.permanent("'sms:+4712345678' is not an XMPP address")) {
            try await connector.send(Self.outbound("wrong channel", to: .sms("+4712345678")))
        }
    }
}
