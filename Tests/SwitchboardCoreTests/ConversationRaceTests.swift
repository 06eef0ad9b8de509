import Foundation
import Synchronization
import Testing

@testable import SwitchboardCore

/// A responder whose answer step can be held at a gate, and which records every step it
/// starts and how many ran at once.
struct GatedResponder: Responder {
    final class Probe: Sendable {
        let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>], started: [String], running: Int, most: Int)>(
            (false, [], [], 0, 0)
        )
        /// Texts whose step waits for `open()`.
        let held: Set<String>
        init(held: Set<String>) { self.held = held }

        func open() {
            let waiters = state.withLock { s in
                s.open = true
                defer { s.waiters = [] }
                return s.waiters
            }
            for w in waiters { w.resume() }
        }
        var started: [String] { state.withLock { $0.started } }
        var most: Int { state.withLock { $0.most } }
        func enter(_ text: String) {
            state.withLock { s in
                s.started.append(text)
                s.running += 1
                s.most = max(s.most, s.running)
            }
        }
        func leave() { state.withLock { $0.running -= 1 } }
        func gate(_ text: String) async {
            guard held.contains(text) else { return }
            await withCheckedContinuation { c in
                let now = state.withLock { s in
                    if s.open { return true }
                    s.waiters.append(c)
                    return false
                }
                if now { c.resume() }
            }
        }
        func startedStep(_ text: String) -> Bool { started.contains(text) }
    }

    let name = "gated"
    let summary = "gated"
    let help = "gated"
    let keywords = ["go"]
    let firstStep = "new"
    let probe: Probe

    func run(step: String, session: ConversationSession, replyOnly: Bool) async throws {
        if step == "new" {
            session.reply("ready")
            session.next("answer")
            return
        }
        probe.enter(session.text)
        await probe.gate(session.text)
        session.data[session.text] = .bool(true)
        session.reply("got \(session.text)")
        probe.leave()
    }
}

@Suite("Conversations: one party's messages one at a time")
struct ConversationRaceTests {
    static let kari = Address.sms("+4712345678")

    static func inbound(_ text: String) -> InboundMessage {
        InboundMessage(connector: "tester", from: kari, text: text)
    }

    @Test func aSecondMessageWaitsForTheFirstsTurnAndFollowsIt() async throws {
        let probe = GatedResponder.Probe(held: ["a"])
        let hub = makeConversationHub(responders: [GatedResponder(probe: probe)])
        _ = try await hub.receive(Self.inbound("go"))
        let engine = try #require(hub.conversations)
        let first = Task { try await hub.receive(Self.inbound("a")) }
        while !probe.startedStep("a") { await Task.yield() }
        let second = Task { try await hub.receive(Self.inbound("b")) }
        // b has reached the engine: it waits behind a, or (were there no lock) it runs.
        while await engine.locks.waiting(PartyKey(connector: "tester", address: Self.kari)) == 0 && !probe.startedStep("b") {
            await Task.yield()
        }
        probe.open()
        _ = try await (first.value, second.value)

        #expect(probe.started == ["a", "b"], "b's step ran only after a's turn committed, and nothing ran twice")
        let conversation = try #require(try await hub.conversations(of: Self.kari).first)
        #expect(try await hub.transcript(of: conversation).map(\.text) == ["go", "ready", "a", "got a", "b", "got b"])
        #expect(try await hub.steps(of: conversation) == ["new", "answer", "answer"])
        #expect(await engine.locks.heldCount == 0)
    }

    @Test func manyMessagesAtOnceAreEachTakenExactlyOnce() async throws {
        let probe = GatedResponder.Probe(held: [])
        let hub = makeConversationHub(responders: [GatedResponder(probe: probe)])
        _ = try await hub.receive(Self.inbound("go"))
        let texts = (1...24).map { "m\($0)" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for text in texts { group.addTask { _ = try await hub.receive(Self.inbound(text)) } }
            try await group.waitForAll()
        }
        let conversation = try #require(try await hub.conversations(of: Self.kari).first)
        let answers = try await hub.transcript(of: conversation).filter { $0.direction == .inbound }.map(\.text).dropFirst()
        #expect(answers.sorted() == texts.sorted())
        #expect(Set(conversation.data.keys) == Set(texts))
        #expect(try await hub.steps(of: conversation).count == 25 && conversation.stepCount == 25)
        #expect(probe.most == 1)
        #expect(probe.started.count == 24)
    }

    /// Two hubs on one store (two processes on one database): the one that commits second
    /// finds the conversation changed, reads it again and does its turn on the new state.
    @Test func aTurnAnotherProcessCommittedFirstIsDoneAgainOnTheNewState() async throws {
        let store = MemoryStore()
        let probe = GatedResponder.Probe(held: ["a"])
        let one = makeConversationHub(responders: [GatedResponder(probe: probe)], store: store)
        let two = makeConversationHub(responders: [GatedResponder(probe: probe)], store: store)
        _ = try await one.receive(Self.inbound("go"))
        let first = Task { try await one.receive(Self.inbound("a")) }
        while !probe.startedStep("a") { await Task.yield() }
        _ = try await two.receive(Self.inbound("b"))
        probe.open()
        _ = try await first.value

        #expect(probe.started == ["a", "b", "a"])
        let conversation = try #require(try await one.conversations(of: Self.kari).first)
        #expect(try await one.transcript(of: conversation).map(\.text) == ["go", "ready", "b", "got b", "a", "got a"])
        #expect(conversation.revision == 3)
        // Each reply is queued once.
        let replies = try await store.queue(for: Self.kari)
        #expect(replies.sorted() == ["got a", "got b", "ready"])
    }
}

extension MemoryStore {
    /// The texts of every message queued to `address`.
    func queue(for address: Address) async throws -> [String] {
        try await pending(address: address).map(\.message.text)
    }
}
