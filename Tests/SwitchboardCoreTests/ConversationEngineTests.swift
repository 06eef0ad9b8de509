import Foundation
import SwitchboardTesting
import Testing

@testable import SwitchboardCore

/// Conversations through the real router, outbox and dispatcher of a hub on `MemoryStore`.
@Suite("Conversation engine")
struct ConversationEngineTests {
    static let kari = Address.sms("+4712345678")

    @Test func aKeywordStartsAResponderThatLeadsThePartyToTheEnd() async throws {
        let hub = makeConversationHub()
        try await ConversationScript(hub: hub).run(
            """
            +4712345678 > Report
            < What happened?
            +4712345678 > Tree across the road
            < Where?
            +4712345678 > Rv 4 at km 12
            < How many are hurt?
            +4712345678 > two
            < Please answer with a number.
            +4712345678 > 2
            < Thanks: Tree across the road at Rv 4 at km 12, 2 hurt.
            """
        )
        let done = try #require(try await hub.conversations(of: Self.kari).first)
        #expect(done.status == .complete)
        #expect(done.responder == "report")
        let transcript = try await hub.transcript(of: done)
        #expect(try await hub.steps(of: done) == ["new", "what", "where", "hurt", "hurt"])
        #expect(done.stepCount == 5)
        #expect(transcript.map(\.direction) == Array(repeating: [.inbound, .outbound], count: 5).flatMap { $0 })
        #expect(transcript.map(\.seq) == Array(1...10))
        #expect(transcript.last?.text == "Thanks: Tree across the road at Rv 4 at km 12, 2 hurt.")
        #expect(done.data == ["what": .string("Tree across the road"), "where": .string("Rv 4 at km 12"), "hurt": .number(2)])
        #expect(done.nextStep == nil && done.expiresAt == nil && done.endReason == "completed")
        // The form is the last answer's, as the XForms path stores one.
        let lastAnswer = try #require(transcript[8].messageID)
        let form = try #require(try await hub.store.formSubmission(messageID: lastAnswer, viewer: .unrestricted))
        #expect(form.formID == "report")
        #expect(
            form.fields == [
                FormField(path: "what", value: "Tree across the road"), FormField(path: "where", value: "Rv 4 at km 12"),
                FormField(path: "hurt", value: "2"),
            ]
        )
        // Every message of the dialogue was routed by the engine: none is left unrouted or in the inbox.
        #expect(try await hub.store.unroutedInbound(limit: 10).isEmpty)
        #expect(try await hub.store.inbox(InboxQuery(viewer: "admin", scope: .all)).items.isEmpty)
    }

    @Test func aMessageOutsideAConversationWithoutKeywordOrCommandGoesToTheInbox() async throws {
        let hub = makeConversationHub()
        try await ConversationScript(hub: hub).run("+4712345678 > The bridge is down; report later")
        let inbox = try await hub.store.inbox(InboxQuery(viewer: "admin", scope: .common))
        #expect(inbox.items.map(\.message.text) == ["The bridge is down; report later"])
        #expect(try await hub.conversations(of: Self.kari).isEmpty)
    }

    @Test func withoutRespondersACommandIsAnOrdinaryMessage() async throws {
        let hub = makeConversationHub(responders: [])
        try await ConversationScript(hub: hub).run("+4712345678 > /help")
        let inbox = try await hub.store.inbox(InboxQuery(viewer: "admin", scope: .common))
        #expect(inbox.items.map(\.message.text) == ["/help"])
    }

    @Test func repliesLeaveOnTheConnectorTheMessageCameIn() async throws {
        let first = BucketConnector(name: "first")
        let tester = BucketConnector(name: "tester")
        let hub = makeConversationHub(connectors: [first, tester])
        try await ConversationScript(hub: hub).run("+4712345678 > report\n< What happened?")
        #expect(first.sent().isEmpty)
    }

    @Test func twoPartiesHaveTheirOwnConversations() async throws {
        let hub = makeConversationHub()
        try await ConversationScript(hub: hub).run(
            """
            +4712345678 > report
            < What happened?
            +4799999999 > incident
            < What happened?
            +4712345678 > Flood
            < Where?
            +4799999999 > Fire
            < Where?
            """
        )
        #expect(try await hub.conversations(of: .sms("+4799999999")).first?.data == ["what": .string("Fire")])
    }

    @Test func theIdleDeadlineMovesWithEachAnswerByTheResponderOrTheDefault() async throws {
        let clock = TestClock()
        var quick = ReportResponder()
        quick.idleTimeout = .seconds(90)
        let hub = makeConversationHub(responders: [quick], clock: clock) { $0.idleTimeout = 600 }
        _ = try await hub.receive(InboundMessage(connector: "tester", from: Self.kari, text: "report"))
        #expect(try await hub.conversations(of: Self.kari).first?.expiresAt == clock.now.addingTimeInterval(90))
        clock.advance(60)
        _ = try await hub.receive(InboundMessage(connector: "tester", from: Self.kari, text: "Flood"))
        #expect(try await hub.conversations(of: Self.kari).first?.expiresAt == clock.now.addingTimeInterval(90))

        let defaults = makeConversationHub(clock: clock) { $0.idleTimeout = 600 }
        _ = try await defaults.receive(InboundMessage(connector: "tester", from: Self.kari, text: "report"))
        #expect(try await defaults.conversations(of: Self.kari).first?.expiresAt == clock.now.addingTimeInterval(600))
    }

    @Test func aStepThatThrowsChangesNothingAndAsksAgain() async throws {
        struct Broken: Responder {
            let name = "broken"
            let summary = "fails"
            let help = "fails"
            let keywords = ["broken"]
            let firstStep = "new"
            func run(step: String, session: ConversationSession, replyOnly: Bool) async throws {
                if step == "new" {
                    session.reply("Say something")
                    session.next("fail")
                } else {
                    session.data["x"] = .bool(true)
                    throw SwitchboardError.invalid("boom", "boom")
                }
            }
        }
        let hub = makeConversationHub(responders: [Broken()])
        try await ConversationScript(hub: hub).run(
            """
            +4712345678 > broken
            < Say something
            +4712345678 > hello
            < Sorry, that could not be handled. Send it again, or /abort to stop.
            """
        )
        let conversation = try #require(try await hub.conversations(of: Self.kari).first)
        #expect(conversation.status == .ongoing && conversation.stepCount == 1 && conversation.data.isEmpty)
        #expect(try await hub.steps(of: conversation) == ["new"])
        #expect(conversation.revision == 1)
    }

    @Test func aConversationWhoseResponderIsGoneEndsAtTheNextMessage() async throws {
        let store = MemoryStore()
        let before = makeConversationHub(store: store)
        _ = try await before.receive(InboundMessage(connector: "tester", from: Self.kari, text: "report"))
        await before.dispatcher.drain()
        let after = makeConversationHub(responders: [OneShotResponder(name: "ping")], store: store)
        try await ConversationScript(hub: after).run(
            """
            +4712345678 > Flood
            < This conversation (report) is no longer available and has ended.
            """
        )
        #expect(try await after.conversations(of: Self.kari).first?.status == .aborted)
    }
}
