import Foundation
import SwitchboardTesting
import Synchronization
import Testing

@testable import SwitchboardCore

@Suite("Conversations: an operator's abort is a turn like the party's")
struct OperatorAbortTests {
    static let kari = Address.sms("+4712345678")
    static let key = PartyKey(connector: "tester", address: kari)

    static func inbound(_ text: String) -> InboundMessage {
        InboundMessage(connector: "tester", from: kari, text: text)
    }

    /// The party's answer is being handled when the operator aborts: the abort waits behind it
    /// on the connection's lock, then ends the conversation as the answer left it. The answer
    /// is taken by the conversation (its reply queued, its data kept), not pushed out of it.
    @Test func anAbortRacingThePartysAnswerWaitsForItsTurn() async throws {
        let probe = GatedResponder.Probe(held: ["a"])
        let hub = makeConversationHub(responders: [GatedResponder(probe: probe)])
        _ = try await hub.receive(Self.inbound("go"))
        let engine = try #require(hub.conversations)
        let started = try #require(try await hub.conversations(of: Self.kari).first)

        let answer = Task { try await hub.receive(Self.inbound("a")) }
        while !probe.startedStep("a") { await Task.yield() }
        let finished = Mutex(false)
        let abort = Task {
            defer { finished.withLock { $0 = true } }
            return try await hub.abortConversation(id: started.id, reason: "stuck", by: "admin")
        }
        // The abort either queues behind the answer's turn or (were it not a turn) commits now.
        while await engine.locks.waiting(Self.key) == 0 && !finished.withLock({ $0 }) { await Task.yield() }
        #expect(!finished.withLock { $0 }, "the abort did not commit while the party's turn was under way")
        probe.open()
        _ = try await answer.value
        let ended = try await abort.value

        #expect(ended.status == .aborted && ended.endReason == "stuck" && ended.endedBy == "admin")
        #expect(ended.revision == 3, "start, the answer, the abort: one revision each")
        #expect(ended.data["a"] == .bool(true), "the answer's change is kept")
        let transcript = try await hub.transcript(of: ended)
        #expect(transcript.map(\.text) == ["go", "ready", "a", "got a", Hub.abortNotice(responder: "gated")])
        #expect(probe.started == ["a"], "the answer's step ran once")
        await hub.dispatcher.drain()
        let sent = try #require(hub.bucket(named: "tester")).sent(to: Self.kari).map(\.text)
        #expect(sent == ["ready", "got a", Hub.abortNotice(responder: "gated")])
        #expect(try await hub.memory.inbox(InboxQuery(viewer: "admin", scope: .all)).items.isEmpty, "the answer did not fall out to the inbox")
        #expect(await engine.locks.heldCount == 0)
    }

    /// An abort of a conversation that already ended, or of none, changes nothing.
    @Test func anAbortOfAFinishedOrUnknownConversationIsRefused() async throws {
        let hub = makeConversationHub()
        try await ConversationScript(hub: hub).run("+4712345678 > report\n< What happened?\n+4712345678 > /abort\n< Ended report.")
        let ended = try #require(try await hub.conversations(of: Self.kari).first)
        let finished = await #expect(throws: SwitchboardError.self) {
            _ = try await hub.abortConversation(id: ended.id, reason: "late", by: "admin")
        }
        #expect(finished?.code == "conversation_finished")
        let unknown = await #expect(throws: SwitchboardError.self) {
            _ = try await hub.abortConversation(id: "nope", reason: "late", by: "admin")
        }
        #expect(unknown?.code == "conversation_not_found")
        #expect(try await hub.conversations(of: Self.kari).first?.revision == ended.revision)
    }
}
