import Foundation
import Logging
import Prometheus
import SwitchboardCore
import SwitchboardSQLite
import Synchronization
import Testing

/// What an operator sees of conversations on `/metrics`, with the engine on the SQLite store:
/// ongoing conversations by responder (refreshed by the sweeper), turns, expiries and
/// sign-out aborts.
@Suite("Conversation metrics")
struct ConversationMetricsTests {
    struct Asker: Responder {
        let name = "metered"
        let summary = "asks"
        let help = "asks"
        let keywords = ["metered"]
        let firstStep = "ask"
        func run(step: String, session: ConversationSession, replyOnly: Bool) async throws {
            session.reply("And?")
            session.next("ask")
        }
    }

    @Test func ongoingTurnsExpiriesAndSignOutsAreCounted() async throws {
        _ = TestMetrics.registry  // the metrics system is bootstrapped before the hub makes its metrics
        let sample = TopicMetricsTests.sample
        let clock = Mutex(Date(timeIntervalSince1970: 1_900_000_000))
        var configuration = HubConfiguration.embeddedDefault
        configuration.conversations.idleTimeout = 60
        configuration.conversations.signOutTimeout = 30
        let hub = Hub(
            configuration: configuration,
            store: try SQLiteStore.inMemory(),
            connectors: [BucketConnector(name: "tester")],
            responders: [Asker()],
            logger: Logger(label: "test"),
            clock: { clock.withLock { $0 } }
        )
        let sweeper = ConversationSweeper(engine: try #require(hub.conversations))
        let turns = sample("switchboard_conversation_turns_total")
        let expired = sample("switchboard_conversations_expired_total")
        let signedOut = sample("switchboard_conversations_signout_aborted_total")
        let kari = Address.sms("+4712345678")
        let ola = Address.sms("+4799999999")
        for (party, text) in [(kari, "metered"), (kari, "one"), (ola, "metered")] {
            _ = try await hub.receive(InboundMessage(connector: "tester", from: party, text: text))
        }
        try await sweeper.sweepOnce(now: clock.withLock { $0 })
        #expect(sample(#"switchboard_conversations_ongoing{responder="metered"}"#) == 2)
        #expect(sample("switchboard_conversation_turns_total") - turns >= 3)

        try await hub.presenceChanged(PresenceEvent(connector: "tester", address: ola, available: false, at: clock.withLock { $0 }))
        let later = clock.withLock { $0.addingTimeInterval(61) }
        clock.withLock { $0 = later }
        let report = try await sweeper.sweepOnce(now: later)
        #expect(report.expired == 1 && report.signedOut == 1)
        #expect(sample(#"switchboard_conversations_ongoing{responder="metered"}"#) == 0)
        #expect(sample("switchboard_conversations_expired_total") - expired >= 1)
        #expect(sample("switchboard_conversations_signout_aborted_total") - signedOut >= 1)
    }
}
