import Foundation
import SwitchboardTesting
import Testing

@testable import SwitchboardCore

/// Idle expiry, sign-out and retention, on a clock the test moves.
@Suite("Conversation sweeper")
struct ConversationSweeperTests {
    static let kari = Address.sms("+4712345678")
    static let expiredNotice = "This conversation (report) has expired: no answer came in time. Send /new report to start again."
    static let signedOutNotice = "This conversation (report) has ended because you signed out."

    static func sweeper(_ hub: Hub) throws -> ConversationSweeper {
        ConversationSweeper(engine: try #require(hub.conversations))
    }

    static func say(_ hub: Hub, _ text: String) async throws {
        _ = try await hub.receive(InboundMessage(connector: "tester", from: kari, text: text))
    }

    @Test func anIdleConversationExpiresOnceAndThePartyIsTold() async throws {
        let clock = TestClock()
        let hub = makeConversationHub(clock: clock) { $0.idleTimeout = 600 }
        try await ConversationScript(hub: hub).run("+4712345678 > report\n< What happened?")
        let sweeper = try Self.sweeper(hub)
        #expect(try await sweeper.sweepOnce(now: clock.now.addingTimeInterval(599)) == .init())
        clock.advance(600)
        #expect(try await sweeper.sweepOnce(now: clock.now).expired == 1)
        #expect(try await sweeper.sweepOnce(now: clock.now).expired == 0)
        await hub.dispatcher.drain()
        let bucket = try #require(hub.bucket(named: "tester"))
        #expect(bucket.sent(to: Self.kari).map(\.text) == ["What happened?", Self.expiredNotice])
        let expired = try #require(try await hub.conversations(of: Self.kari).first)
        #expect(expired.status == .expired && expired.endedBy == "hub")
        #expect(try await hub.transcript(of: expired).last?.text == Self.expiredNotice)
        // The party's next message is an ordinary one again.
        try await Self.say(hub, "Flood")
        #expect(try await hub.store.inbox(InboxQuery(viewer: "admin", scope: .common)).items.map(\.message.text) == ["Flood"])
    }

    @Test func anAnswerBeforeTheDeadlinePutsItOff() async throws {
        let clock = TestClock()
        let hub = makeConversationHub(clock: clock) { $0.idleTimeout = 600 }
        try await Self.say(hub, "report")
        clock.advance(500)
        try await Self.say(hub, "Flood")
        clock.advance(500)
        #expect(try await Self.sweeper(hub).sweepOnce(now: clock.now).expired == 0)
        #expect(try await hub.memory.nextConversationDeadline() == clock.now.addingTimeInterval(100))
    }

    /// The sweeper and the party's answer at the same moment, from two processes on one
    /// store: exactly one of them wins — expired with one notice (the answer then goes to the
    /// inbox), or answered with no notice.
    @Test(arguments: 0..<12) func expiryAndAnAnswerAtOnceNeverBothHappen(round: Int) async throws {
        let clock = TestClock()
        let store = MemoryStore()
        let sweeping = makeConversationHub(store: store, clock: clock) { $0.idleTimeout = 60 }
        let answering = makeConversationHub(store: store, clock: clock) { $0.idleTimeout = 60 }
        try await Self.say(answering, "report")
        clock.advance(61)
        let sweeper = try Self.sweeper(sweeping)
        async let swept = sweeper.sweepOnce(now: clock.now)
        async let answered: Void = Self.say(answering, "Flood")
        let report = try await swept
        try await answered
        let conversation = try #require(try await answering.conversations(of: Self.kari).first)
        let queued = try await store.pending(address: Self.kari).map(\.message.text)
        let inbox = try await store.inbox(InboxQuery(viewer: "admin", scope: .all)).items.map(\.message.text)
        if conversation.status == .expired {
            #expect(report.expired == 1)
            #expect(queued.sorted() == ["What happened?", Self.expiredNotice].sorted())
            #expect(try await !answering.transcript(of: conversation).contains { $0.text == "Flood" })
            #expect(inbox == ["Flood"])
        } else {
            #expect(report.expired == 0)
            #expect(conversation.status == .ongoing && conversation.data == ["what": .string("Flood")])
            #expect(queued.sorted() == ["What happened?", "Where?"])
            #expect(inbox.isEmpty)
        }
    }

    @Test func signingOutAbortsTheConversationUnlessThePartyIsBackInTime() async throws {
        let clock = TestClock()
        let hub = makeConversationHub(clock: clock) { $0.signOutTimeout = 300 }
        try await Self.say(hub, "report")
        let sweeper = try Self.sweeper(hub)
        // Offline, back within the time: nothing happens. (Connectors report through the sink.)
        let sink: any InboundSink = hub
        try await sink.presenceChanged(PresenceEvent(connector: "tester", address: Self.kari, available: false, at: clock.now))
        #expect(try await hub.memory.nextConversationDeadline() == clock.now.addingTimeInterval(300))
        clock.advance(200)
        try await hub.presenceChanged(PresenceEvent(connector: "tester", address: Self.kari, available: true, at: clock.now))
        clock.advance(200)
        #expect(try await sweeper.sweepOnce(now: clock.now).signedOut == 0)
        #expect(try await hub.conversations(of: Self.kari).first?.status == .ongoing)
        // Offline for good: aborted once, the deadline gone with it.
        try await hub.presenceChanged(PresenceEvent(connector: "tester", address: Self.kari, available: false, at: clock.now))
        clock.advance(301)
        #expect(try await sweeper.sweepOnce(now: clock.now).signedOut == 1)
        #expect(try await sweeper.sweepOnce(now: clock.now).signedOut == 0)
        let aborted = try #require(try await hub.conversations(of: Self.kari).first)
        #expect(aborted.status == .aborted && aborted.endReason == "signed out")
        #expect(try await hub.memory.nextConversationDeadline() == nil)
        #expect(try await hub.store.pending(address: Self.kari).map(\.message.text) == ["What happened?", Self.signedOutNotice])
    }

    @Test func signingOutWithoutAConversationSetsNoDeadline() async throws {
        let clock = TestClock()
        let hub = makeConversationHub(clock: clock)
        try await hub.presenceChanged(PresenceEvent(connector: "tester", address: Self.kari, available: false, at: clock.now))
        #expect(try await hub.memory.nextConversationDeadline() == nil)
        await #expect(throws: SwitchboardError.self) {
            try await hub.presenceChanged(PresenceEvent(connector: "nope", address: Self.kari, available: false, at: clock.now))
        }
    }

    /// Deadlines are rows: a hub started later on the same store (after a restart) fires them.
    @Test func deadlinesSetBeforeARestartFireAfterIt() async throws {
        let clock = TestClock()
        let store = MemoryStore()
        let before = makeConversationHub(store: store, clock: clock) { $0.idleTimeout = 600 }
        try await Self.say(before, "report")
        let other = Address.sms("+4799999999")
        _ = try await before.receive(InboundMessage(connector: "tester", from: other, text: "report"))
        try await before.presenceChanged(PresenceEvent(connector: "tester", address: other, available: false, at: clock.now))

        let after = makeConversationHub(store: store, clock: clock) { $0.idleTimeout = 600 }
        clock.advance(601)
        let report = try await Self.sweeper(after).sweepOnce(now: clock.now)
        #expect(report.expired == 1 && report.signedOut == 1)
        #expect(try await after.conversations(of: Self.kari).first?.status == .expired)
        #expect(try await after.conversations(of: other).first?.status == .aborted)
    }

    @Test func finishedConversationsArePurgedAfterTheRetention() async throws {
        let clock = TestClock()
        let hub = makeConversationHub(clock: clock) { $0.retention = 86_400 }
        try await Self.say(hub, "report")
        try await Self.say(hub, "/abort")
        let other = Address.sms("+4799999999")
        _ = try await hub.receive(InboundMessage(connector: "tester", from: other, text: "report"))
        let sweeper = try Self.sweeper(hub)
        clock.advance(86_000)
        #expect(try await sweeper.sweepOnce(now: clock.now).purged == 0)
        clock.advance(401)
        #expect(try await sweeper.sweepOnce(now: clock.now).purged == 1)
        #expect(try await hub.conversations(of: Self.kari).isEmpty)
        #expect(try await hub.conversations(of: other).count == 1, "an ongoing conversation is never purged")
    }

    @Test func theSweeperRunsAsAServiceAndFiresADeadlineWithoutBeingCalled() async throws {
        let clock = TestClock()
        let hub = makeConversationHub(clock: clock) { $0.idleTimeout = 60 }
        try await Self.say(hub, "report")
        let sweeper = try Self.sweeper(hub)
        let running = Task { try await sweeper.run() }
        defer { running.cancel() }
        clock.advance(61)
        // Waits for the event (the conversation expired), not for a time.
        while try await hub.conversations(of: Self.kari).first?.status == .ongoing { await Task.yield() }
        #expect(try await hub.conversations(of: Self.kari).first?.status == .expired)
    }
}
