import Foundation
import NIOCore
import NIOEmbedded
import SwitchboardCore
import Testing

@testable import SwitchboardXMPP

/// The connector hands chats to the sink in lanes by party: different parties' at once (their
/// turns can share a commit), one party's one at a time and in order.
@Suite struct InboundLanesTests {
    /// A sink whose `receive` of a held text waits until `open()`.
    actor GatedSink: InboundSink {
        let held: Set<String>
        var started: [String] = []
        var received: [String] = []
        var presence: [PresenceEvent] = []
        private var waiters: [CheckedContinuation<Void, Never>] = []
        private var isOpen = false
        init(held: Set<String>) { self.held = held }

        func open() {
            isOpen = true
            for waiter in waiters { waiter.resume() }
            waiters = []
        }

        func receive(_ inbound: InboundMessage) async throws -> InboundResult {
            started.append(inbound.text)
            if held.contains(inbound.text), !isOpen { await withCheckedContinuation { waiters.append($0) } }
            received.append(inbound.text)
            return InboundResult(messageID: inbound.text, disposition: .pass)
        }
        func reached(received: [String], started text: String) -> Bool { self.received == received && started.contains(text) }
        func knowsRecipient(_ address: Address) async throws -> Bool { false }
        func presenceChanged(_ event: PresenceEvent) async throws { presence.append(event) }
        func deliveryReported(connector: String, deliveryID: String, outcome: DeliveryReportOutcome, detail: String?) async throws {}
    }

    static let kari = JID("kari@example.org/phone")!
    static let ola = JID("ola@example.org/pc")!

    static func chat(_ from: JID, _ body: String, _ seq: UInt32) -> InboundLanes.Work {
        .chat(XMPPClientStateMachine.Chat(from: from, body: body, subject: nil, seq: seq, receiptID: nil))
    }

    @Test func anotherPartysChatIsHandledWhileOnePartysWaitInOrder() async throws {
        let connector = XMPPConnectorTests.connector()
        let sink = GatedSink(held: ["a1"])
        let channel = try await XMPPConnectorTests.link()
        let lanes = InboundLanes()
        let gone = PresenceEvent(connector: "chat", address: .xmpp("kari@example.org"), available: false, at: Date())
        await withDiscardingTaskGroup { group in
            for (party, work) in [
                (Self.kari, Self.chat(Self.kari, "a1", 1)), (Self.kari, Self.chat(Self.kari, "a2", 2)), (Self.ola, Self.chat(Self.ola, "b1", 3)),
                (Self.kari, .presence(gone)),
            ] {
                connector.dispatch(work, party: party.bare, lanes: lanes, group: &group, sink: sink, channel: channel)
            }
            // b1 goes through while a1 is held; a2 and kari's sign-out wait behind a1.
            while await !sink.reached(received: ["b1"], started: "a1") { await Task.yield() }
            #expect(await sink.started.sorted() == ["a1", "b1"])
            #expect(await sink.presence.isEmpty)
            await sink.open()
        }
        #expect(await sink.received == ["b1", "a1", "a2"])
        #expect(await sink.presence == [gone], "a party's presence follows their chats")
        #expect(lanes.activeCount == 0, "every lane drained and closed")
        var handled: [UInt32] = []
        while let event = try await channel.readOutbound(as: XMPPClientStateMachine.Event.self) {
            if case .handled(let seq) = event { handled.append(seq) }
        }
        #expect(handled.sorted() == [1, 2, 3], "each chat is acknowledged to the machine once committed")
    }

    @Test func afterASinkFailureNothingMoreIsHandedOut() async throws {
        let lanes = InboundLanes()
        #expect(lanes.enqueue(Self.chat(Self.kari, "a1", 1), for: Self.kari.bare))
        #expect(!lanes.enqueue(Self.chat(Self.kari, "a2", 2), for: Self.kari.bare), "the lane is being drained")
        lanes.fail()
        #expect(lanes.next(for: Self.kari.bare) == nil, "a2 is dropped: the server sends it again")
        #expect(!lanes.enqueue(Self.chat(Self.ola, "b1", 3), for: Self.ola.bare))
        #expect(lanes.activeCount == 0)
    }
}
