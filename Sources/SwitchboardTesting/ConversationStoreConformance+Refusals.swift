import Foundation
import SwitchboardCore

// A turn is all or none: a refused reply or form leaves the conversation, the outbox, the
// forms and the routed mark as they were; a reply's idempotency key replays as `accept` does.
extension ConversationStoreConformance {
    /// A reply the outbox refuses (a reused key, a taken id) takes the whole turn back.
    package func aRefusedReplyCommitsNothing() async throws {
        let store = try await makeStore()
        let inbound = StoreFixture.inbound("fire")
        try await store.recordInbound(inbound)
        let c = Fixture.conversation()
        _ = try await store.commitTurn(Fixture.insert(c))
        _ = try await store.accept(Fixture.reply("first use", key: "k"))
        var next = try unwrap(try await store.conversation(id: c.id), "stored")
        next.stepCount += 1
        next.data["what"] = .string("fire")
        let fine = Fixture.reply("Where?")
        try await expectError(.conflict, "idempotency_key_reused", "a reply reusing a key for other text") {
            try await store.commitTurn(
                ConversationTurn(
                    writes: [.init(conversation: next, expectedRevision: 1)],
                    replies: [fine, Fixture.reply("other text", key: "k")],
                    routedMessageID: inbound.id
                )
            )
        }
        try await expectNothingCommitted(store, conversation: c.id, revision: 1, replies: [fine], unrouted: inbound.id)

        var taken = Fixture.reply("taken id")
        taken.message.id = inbound.id
        for index in taken.deliveries.indices { taken.deliveries[index].messageID = inbound.id }
        try await expectError(.conflict, "message_exists", "a reply whose message id is taken") {
            try await store.commitTurn(
                ConversationTurn(writes: [.init(conversation: next, expectedRevision: 1)], replies: [fine, taken], routedMessageID: inbound.id)
            )
        }
        try await expectNothingCommitted(store, conversation: c.id, revision: 1, replies: [fine], unrouted: inbound.id)
    }

    /// A refused form or a stale write takes back the replies and the routed mark too.
    package func aRefusedWriteOrFormCommitsNothing() async throws {
        let store = try await makeStore()
        let inbound = StoreFixture.inbound("<report><what>fire</what></report>")
        try await store.recordInbound(inbound)
        let earlier = FormSubmission(messageID: inbound.id, formID: "report", fields: [], receivedAt: StoreFixture.t0)
        try await store.recordSubmission(earlier)
        let c = Fixture.conversation()
        let reply = Fixture.reply("Thank you")
        let form = FormSubmission(
            messageID: inbound.id,
            formID: "report",
            fields: [FormField(path: "what", value: "fire")],
            receivedAt: StoreFixture.t0
        )
        try await expectError(.conflict, "form_submission_exists", "a second form for one message") {
            try await store.commitTurn(
                ConversationTurn(writes: [.init(conversation: c, expectedRevision: nil)], replies: [reply], form: form, routedMessageID: inbound.id)
            )
        }
        try expectEqual(try await store.conversation(id: c.id), nil, "the refused turn's conversation is not stored")
        try await expectNothingCommitted(store, conversation: nil, revision: 0, replies: [reply], unrouted: inbound.id)
        let orphan = FormSubmission(messageID: "no-such-message", formID: "report", fields: [], receivedAt: StoreFixture.t0)
        try await expectError(.notFound, "unknown_message", "a form for a message never stored") {
            try await store.commitTurn(ConversationTurn(writes: [.init(conversation: c, expectedRevision: nil)], replies: [reply], form: orphan))
        }
        try expectEqual(try await store.conversation(id: c.id), nil, "the refused turn's conversation is not stored")

        _ = try await store.commitTurn(Fixture.insert(c))
        var stale = try unwrap(try await store.conversation(id: c.id), "stored")
        stale.revision = 7
        try await expectError(.conflict, "conversation_changed", "a stale write with a reply and a routed message") {
            try await store.commitTurn(
                ConversationTurn(writes: [.init(conversation: stale, expectedRevision: 7)], replies: [reply], routedMessageID: inbound.id)
            )
        }
        try await expectNothingCommitted(store, conversation: c.id, revision: 1, replies: [reply], unrouted: inbound.id)
    }

    /// A reply's idempotency key replays the first acceptance (the turn still commits) and
    /// refuses other text, as `accept` does.
    package func repliesAreIdempotent() async throws {
        let store = try await makeStore()
        var c = Fixture.conversation()
        _ = try await store.commitTurn(Fixture.insert(c))
        c.revision = 1
        c.nextStep = "where"
        let first = try await store.commitTurn(
            ConversationTurn(writes: [.init(conversation: c, expectedRevision: 1)], replies: [Fixture.reply("Where?", key: "t-1")])
        )
        try expectEqual(first.map(\.replayed), [false], "a new key is accepted")
        c.revision = 2
        let again = try await store.commitTurn(
            ConversationTurn(writes: [.init(conversation: c, expectedRevision: 2)], replies: [Fixture.reply("Where?", key: "t-1")])
        )
        try expectEqual(again.map(\.replayed), [true], "the same key and text replays")
        try expectEqual(again.first?.record.message.id, first.first?.record.message.id, "a replay returns the first message")
        try expectEqual(try await store.conversation(id: c.id)?.revision, 3, "a turn whose reply replays still commits")
        c.revision = 3
        try await expectError(.conflict, "idempotency_key_reused", "the same key for other text") {
            try await store.commitTurn(
                ConversationTurn(writes: [.init(conversation: c, expectedRevision: 3)], replies: [Fixture.reply("When?", key: "t-1")])
            )
        }
        try expectEqual(try await store.conversation(id: c.id)?.revision, 3, "the refused turn changed nothing")
    }

    /// The conversation is at `revision` (or absent), no reply is queued, and the inbound
    /// message is still unrouted.
    func expectNothingCommitted(
        _ store: any HubStore & ConversationStore,
        conversation id: String?,
        revision: Int,
        replies: [Submission],
        unrouted messageID: String,
        check: String = #function,
        line: UInt = #line
    ) async throws {
        if let id {
            let stored = try await store.conversation(id: id)
            try expectEqual(stored?.revision, revision, "a refused turn leaves the conversation as it was", check: check, line: line)
        }
        for reply in replies {
            try expectEqual(try await store.message(id: reply.message.id), nil, "a refused turn queues no reply", check: check, line: line)
        }
        let unrouted = try await store.unroutedInbound(limit: 100).map(\.id)
        try expectTrue(unrouted.contains(messageID), "a refused turn leaves its message unrouted", check: check, line: line)
    }
}
