import Foundation
import SwitchboardCore

// The transcript is appended to, never rewritten: each turn adds its entries after the stored
// ones, a refused or repeated turn adds none, and a message a turn answered is found by its id.
extension ConversationStoreConformance {
    /// Turns append in order, numbered on from the last stored entry; a turn refused (a stale
    /// revision) or done again (the same turn committed twice) appends nothing; each
    /// conversation has its own numbering; a purged conversation's transcript goes with it.
    package func transcriptAppendsInOrder() async throws {
        let store = try await makeStore()
        let c = Fixture.conversation(startedAt: StoreFixture.t0)
        _ = try await store.commitTurn(Fixture.insert(c))
        let other = Fixture.conversation(address: .sms("+4799999999"))
        _ = try await store.commitTurn(Fixture.insert(other))

        func said(_ text: String, _ at: Double, _ direction: ConversationEntry.Direction = .outbound) -> ConversationEntry {
            ConversationEntry(
                direction: direction,
                text: text,
                at: StoreFixture.at(at),
                messageID: "m-\(text)",
                step: direction == .inbound ? "what" : nil
            )
        }
        let turns = [[said("What happened?", 1)], [said("fire", 2, .inbound), said("Where?", 3)], [said("harbour", 4, .inbound)]]
        for (number, entries) in turns.enumerated() {
            var next = try unwrap(try await store.conversation(id: c.id), "stored")
            next.stepCount += 1
            let turn = ConversationTurn(writes: [ConversationWrite(conversation: next, expectedRevision: next.revision, appending: entries)])
            _ = try await store.commitTurn(turn)
            if number == 1 {
                try await expectError(.conflict, "conversation_changed", "the same turn committed again") { try await store.commitTurn(turn) }
            }
        }
        let first = ConversationEntry(direction: .inbound, text: c.responder, at: c.startedAt, step: "start")
        let expected = ([first] + turns.flatMap { $0 }).enumerated().map { $1.ms(seq: $0 + 1) }
        try expectEqual(try await store.wholeTranscript(conversationID: c.id), expected, "every turn's entries, in order, each once")

        let stale = try unwrap(try await store.conversation(id: c.id), "stored")
        try await expectError(.conflict, "conversation_changed", "a turn computed from an older revision") {
            try await store.commitTurn(
                ConversationTurn(writes: [.init(conversation: stale, expectedRevision: stale.revision - 1, appending: [said("late", 9)])])
            )
        }
        try expectEqual(try await store.wholeTranscript(conversationID: c.id), expected, "a refused turn appends nothing")
        try expectEqual(
            try await store.transcript(conversationID: c.id, after: 2, limit: 2),
            Array(expected[2..<4]),
            "a page starts after the seq given"
        )
        try expectEqual(
            try await store.wholeTranscript(conversationID: other.id).map(\.seq),
            [1],
            "another conversation's transcript is its own, numbered from 1"
        )

        var ended = try unwrap(try await store.conversation(id: c.id), "stored")
        ended.status = .complete
        ended.nextStep = nil
        ended.updatedAt = StoreFixture.at(10)
        _ = try await store.commitTurn(Fixture.update(ended))
        try expectEqual(try await store.purgeConversations(finishedBefore: StoreFixture.at(20), limit: 10), 1, "the finished one is purged")
        try expectEqual(try await store.transcript(conversationID: c.id, after: 0, limit: 10), [], "its transcript went with it")
        try expectEqual(try await store.transcriptHolds(inboundMessageID: "m-fire"), false, "and its answered messages")
    }

    /// `transcriptHolds` finds a message from the party once a turn committed it, and nothing
    /// else: not before, not a reply's message id, not after a refused turn.
    package func transcriptHoldsAnsweredMessages() async throws {
        let store = try await makeStore()
        let c = Fixture.conversation()
        _ = try await store.commitTurn(Fixture.insert(c))
        try expectEqual(try await store.transcriptHolds(inboundMessageID: "in-1"), false, "not answered yet")
        var next = try unwrap(try await store.conversation(id: c.id), "stored")
        next.stepCount += 1
        let entries = [
            ConversationEntry(direction: .inbound, text: "fire", at: StoreFixture.t0, messageID: "in-1", step: "what"),
            ConversationEntry(direction: .outbound, text: "Where?", at: StoreFixture.t0, messageID: "out-1"),
        ]
        try await expectError(.conflict, "conversation_changed", "a stale turn") {
            try await store.commitTurn(ConversationTurn(writes: [.init(conversation: next, expectedRevision: 7, appending: entries)]))
        }
        try expectEqual(try await store.transcriptHolds(inboundMessageID: "in-1"), false, "a refused turn answered nothing")
        _ = try await store.commitTurn(ConversationTurn(writes: [.init(conversation: next, expectedRevision: 1, appending: entries)]))
        try expectEqual(try await store.transcriptHolds(inboundMessageID: "in-1"), true, "the answered message")
        try expectEqual(try await store.transcriptHolds(inboundMessageID: "out-1"), false, "a reply is not a message from the party")
        try expectEqual(try await store.transcriptHolds(inboundMessageID: "in-2"), false, "another message")
        let answered = try await store.turnStart(inboundMessageID: "in-1", connector: c.connector, address: c.address)
        try expectEqual(answered.answered, true, "a turn's start finds the answered message")
        let fresh = try await store.turnStart(inboundMessageID: "in-2", connector: c.connector, address: c.address)
        try expectEqual(fresh.answered, false, "a turn's start: another message is not answered")
        try expectEqual(fresh.ongoing?.id, c.id, "a turn's start reads the connection's ongoing conversation")
        let elsewhere = try await store.turnStart(inboundMessageID: "in-2", connector: "other", address: c.address)
        try expectEqual(elsewhere.ongoing, nil, "a turn's start on another connection finds no conversation")
    }
}
