import Foundation
import Testing

@testable import SwitchboardCore

/// A hub killed between committing an inbound message (the gateway already acknowledged)
/// and the end of the handler pipeline must route that message at its next start, and
/// routing it again must neither reply twice nor show it twice.
@Suite("Inbound messages left unrouted by a crash")
struct InboundRecoveryTests {
    struct Echo: MessageHandler {
        let name = "echo"
        func handle(_ context: InboundContext) async throws -> HandlerResult {
            try await context.reply("got: \(context.message.text)")
            return .pass
        }
    }

    static func committedInbound(_ text: String) -> Message {
        let from = Address.sms("+4712345678")
        return Message(direction: .inbound, text: text, sender: from.description, origin: Origin(connector: "tester", from: from))
    }

    @Test func aMessageCommittedButNotRoutedReachesItsInboxAtTheNextStart() async throws {
        let hub = try makeHub()
        let first = Self.committedInbound("meter 41")
        let second = Self.committedInbound("meter 42")
        // What a kill right after `recordInbound` leaves behind.
        try await hub.store.recordInbound(first)
        try await hub.store.recordInbound(second)

        #expect(try await hub.router.routeUnrouted(batch: 1) == 2)

        let inbox = try await hub.store.inbox(InboxQuery(viewer: "admin", scope: .common))
        #expect(inbox.items.map(\.message.id) == [second.id, first.id])
        #expect(try await hub.store.unroutedInbound(limit: 10).isEmpty)
        #expect(try await hub.router.routeUnrouted() == 0)
    }

    @Test func aMessageRoutedToTheEndIsNotRoutedAgain() async throws {
        let hub = try makeHub()
        let result = try await hub.receive(InboundMessage(connector: "tester", from: .sms("+4712345678"), text: "hello"))
        #expect(result.inboxItemID != nil)
        #expect(try await hub.store.unroutedInbound(limit: 10).isEmpty)
    }

    @Test func aMessageAHandlerTookIsNotRoutedAgain() async throws {
        struct Taker: MessageHandler {
            let name = "taker"
            func handle(_ context: InboundContext) async throws -> HandlerResult { .handled }
        }
        let hub = try makeHub(handlers: [Taker()])
        let result = try await hub.receive(InboundMessage(connector: "tester", from: .sms("+4712345678"), text: "mine"))
        #expect(result.disposition == .handled)
        #expect(result.inboxItemID == nil)
        #expect(try await hub.store.unroutedInbound(limit: 10).isEmpty)
    }

    /// Routing the same committed message twice is what recovery does after a crash in the
    /// middle of the pipeline: the reply sent the first time is the reply of the second.
    @Test func routingAgainSendsNoSecondReplyAndAddsNoSecondInboxItem() async throws {
        let hub = try makeHub(handlers: [Echo()])
        let message = Self.committedInbound("reading 7")
        try await hub.store.recordInbound(message)

        let firstRun = try await hub.router.process(message)
        let secondRun = try await hub.router.process(message)

        #expect(firstRun.replies.count == 1)
        #expect(secondRun.replies == firstRun.replies)
        #expect(secondRun.inboxItemID == firstRun.inboxItemID)
        let reply = try #require(try await hub.store.message(id: firstRun.replies[0]))
        #expect(reply.message.text == "got: reading 7")
        #expect(reply.deliveries.count == 1)
        let inbox = try await hub.store.inbox(InboxQuery(viewer: "admin", scope: .common))
        #expect(inbox.items.count == 1)
    }
}
