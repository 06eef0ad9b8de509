import Foundation
import SwitchboardTesting
import Testing

@testable import SwitchboardCore

/// /abort, /replay, /new, /help, /list: at any time, by any unique prefix.
@Suite("Conversation commands")
struct ConversationCommandTests {
    static let kari = Address.sms("+4712345678")
    static let three: [any Responder] = [ReportResponder(), OneShotResponder(name: "register"), OneShotResponder(name: "repair")]

    @Test func abortEndsTheConversationAndAPrefixWillDo() async throws {
        let hub = makeConversationHub()
        try await ConversationScript(hub: hub).run(
            """
            +4712345678 > report
            < What happened?
            +4712345678 > /ab
            < Ended report.
            +4712345678 > /abort
            < There is no conversation to end.
            """
        )
        let ended = try #require(try await hub.conversations(of: Self.kari).first)
        #expect(ended.status == .aborted && ended.endReason == "aborted by /abort" && ended.endedBy == "party")
        #expect(try await hub.transcript(of: ended).map(\.text) == ["report", "What happened?", "/ab", "Ended report."])
    }

    @Test func replaySendsTheConversationSoFarAsOneMessageRunningStepsReplyOnly() async throws {
        let responder = ReportResponder()
        let hub = makeConversationHub(responders: [responder])
        try await ConversationScript(hub: hub).run(
            """
            +4712345678 > report
            < What happened?
            +4712345678 > Flood
            < Where?
            +4712345678 > Voss
            < How many are hurt?
            """
        )
        let before = try #require(try await hub.conversations(of: Self.kari).first)
        _ = try await hub.receive(InboundMessage(connector: "tester", from: Self.kari, text: "/rep"))
        await hub.dispatcher.drain()
        let bucket = try #require(hub.bucket(named: "tester"))
        #expect(bucket.sent(to: Self.kari).last?.text == "> report\nWhat happened?\n> Flood\nWhere?\n> Voss\nHow many are hurt?")
        #expect(responder.log.all == ["new", "what", "where", "replay:new", "replay:what", "replay:where"])
        // Nothing a replayed step did happened: the conversation is as it was.
        #expect(try await hub.conversations(of: Self.kari).first == before)
    }

    @Test func newStartsTheOnlyResponderOrAsksWhichAndEndsTheOngoingOne() async throws {
        let one = makeConversationHub()
        try await ConversationScript(hub: one).run(
            """
            +4712345678 > report
            < What happened?
            +4712345678 > /new
            < What happened?
            """
        )
        let both = try await one.conversations(of: Self.kari)
        #expect(both.map(\.status).sorted { $0.rawValue < $1.rawValue } == [.aborted, .ongoing])
        #expect(both.first { $0.status == .aborted }?.endReason == "replaced by report")

        let hub = makeConversationHub(responders: Self.three)
        try await ConversationScript(hub: hub).run(
            """
            +4712345678 > /new
            < Start one with /new NAME: report (report an incident), register (say register), repair (say repair).
            +4712345678 > /new re
            < 're' could be: register, repair, report.
            +4712345678 > /new regi
            < register done
            +4712345678 > /new xyz
            < There is no conversation called 'xyz'. Start one with /new NAME: report (report an incident), register (say register), repair (say repair).
            +4712345678 > /n REP
            < 'REP' could be: repair, report.
            +4712345678 > /n repo
            < What happened?
            """
        )
    }

    @Test func helpListsCommandsAndRespondersOrHelpsOnOne() async throws {
        let hub = makeConversationHub(responders: [ReportResponder(), OneShotResponder(name: "register")])
        try await ConversationScript(hub: hub).run(
            """
            +4712345678 > /help
            < /abort: end the current conversation\\n/replay: send the current conversation again, up to where you are\\n/new [NAME]: start a conversation (NAME: which one), ending any current one\\n/help [NAME]: this help, or help on a conversation or command (NAME)\\n/list [NAME]: show a list (NAME), or the lists there are\\nreport (send report or incident): report an incident\\nregister (send register): say register
            +4712345678 > /h repo
            < report: tell us what happened, where, and how many are hurt.
            +4712345678 > /h li
            < /list [NAME]: show a list (NAME), or the lists there are
            +4712345678 > /h /abort
            < /abort: end the current conversation
            +4712345678 > /h r
            < 'r' could be: register, replay, report.
            +4712345678 > /h nothing
            < No help on 'nothing'. Ask about: /abort, /replay, /new, /help, /list, report, register.
            """
        )
        #expect(try await hub.conversations(of: Self.kari).isEmpty)
    }

    @Test func listShowsTheShortcutTheNamedListOrWhatThereIs() async throws {
        let hub = makeConversationHub()
        try await ConversationScript(hub: hub).run(
            """
            +4712345678 > /list
            < Lists: places, priorities; send /list NAME.
            +4712345678 > /l pr
            < high\\nlow
            +4712345678 > /l p
            < 'p' could be: places, priorities.
            +4712345678 > /l colours
            < There is no list called 'colours'. Lists: places, priorities; send /list NAME.
            +4712345678 > report
            < What happened?
            +4712345678 > Flood
            < Where?
            +4712345678 > /list
            < Oslo\\nBergen
            +4712345678 > Oslo
            < How many are hurt?
            """
        )
        // A command in a conversation is not an answer: the transcript and steps have none.
        let conversation = try #require(try await hub.conversations(of: Self.kari).first)
        #expect(try await hub.steps(of: conversation) == ["new", "what", "where"])
        #expect(try await !hub.transcript(of: conversation).contains { $0.text.hasPrefix("/") })
    }

    @Test func anUnknownCommandGetsAShortHelpAndAnAnswerThatOnlyLooksLikeOneIsAnAnswer() async throws {
        let hub = makeConversationHub()
        try await ConversationScript(hub: hub).run(
            """
            +4712345678 > /frobnicate now
            < Unknown command /frobnicate. Commands: /abort, /replay, /new, /help, /list; /help NAME tells more.
            +4712345678 > report
            < What happened?
            +4712345678 > Flood
            < Where?
            +4712345678 > / 3 km north
            < How many are hurt?
            """
        )
    }

    @Test func aConnectorMayHaveItsOwnPrefix() async throws {
        let hub = makeConversationHub(connectors: [BucketConnector(name: "tester"), BucketConnector(name: "phone")]) {
            $0.connectorPrefixes["tester"] = "#"
        }
        try await ConversationScript(hub: hub).run(
            """
            +4712345678 > report
            < What happened?
            +4712345678 > /abort is what the sign said
            < Where?
            +4712345678 > #abort
            < Ended report.
            """
        )
        // The other connector keeps the hub's prefix.
        try await ConversationScript(hub: hub, connector: "phone").run(
            """
            +4799999999 > /help repo
            < report: tell us what happened, where, and how many are hurt.
            """
        )
    }

    @Test func commandNamesAreParsedOnlyWhenALetterFollowsThePrefix() {
        #expect(ConversationCommand.parse("  /new report now ", prefix: "/") == ConversationCommand(word: "new", argument: "report now"))
        #expect(ConversationCommand.parse("/ 3", prefix: "/") == nil)
        #expect(ConversationCommand.parse("//", prefix: "/") == nil)
        #expect(ConversationCommand.parse("abort", prefix: "/") == nil)
        #expect(ConversationCommand.parse("**h", prefix: "**") == ConversationCommand(word: "h", argument: ""))
        #expect(PrefixMatch.resolve("re", among: ["report", "register"]) == .ambiguous(["register", "report"]))
        #expect(PrefixMatch.resolve("REPORT", among: ["report", "reporter"]) == .found("report"))
        #expect(PrefixMatch.resolve("x", among: ["report"]) == PrefixMatch.none)
    }
}
