import Foundation
import SwitchboardCore

// What a turn commits, and what refuses one: stale revisions, a second ongoing conversation
// on a connection, and any refused reply or form, each leaving nothing behind.
extension ConversationStoreConformance {
    typealias Fixture = ConversationFixture

    /// Everything a conversation holds reads back as written: unicode, nested JSON, a
    /// transcript of thousands of entries (read whole and by pages); the stored revision is one.
    package func conversationRoundTrip() async throws {
        let store = try await makeStore()
        var c = Fixture.conversation(username: "kari", expiresAt: StoreFixture.at(600))
        c.contactID = "contact-1"
        c.listShortcut = "sites"
        c.updatedAt = StoreFixture.at(30)
        c.stepCount = 3
        c.nextStep = "when"
        // No NUL: the hub never stores one (README, "Text the hub cannot store").
        let transcript = (0..<2_000).map { i in
            ConversationEntry(
                direction: i.isMultiple(of: 2) ? .inbound : .outbound,
                text: "línea \(i): «brann» 🚒 i 4. etg.\r\n\"quoted\" \\ back\u{1}slash",
                at: StoreFixture.at(Double(i) / 4),
                messageID: i.isMultiple(of: 3) ? nil : "m-\(i)",
                step: i.isMultiple(of: 2) ? "step-\(i / 2)" : nil
            )
        }
        c.data = [
            "name": .string("Kari Nordmann 🙂"), "count": .number(3), "ratio": .number(0.25), "zero": .number(0),
            "one": .number(1), "tiny": .number(-1.5e-7), "big": .number(9_007_199_254_740_992), "ok": .bool(true),
            "no": .bool(false), "none": .null, "søk": .string(""),
            "where": .object([
                "lat": .number(59.91), "tags": .array([.string("a"), .number(1), .bool(false), .object([:]), .array([]), .null]),
                "deep": .object(["deeper": .object(["deepest": .array([.array([.string("x")])])])]),
            ]),
        ]
        let acceptances = try await store.commitTurn(
            ConversationTurn(writes: [ConversationWrite(conversation: c, expectedRevision: nil, appending: transcript)])
        )
        try expectEqual(acceptances.count, 0, "a turn without replies accepts nothing")
        let expected = transcript.enumerated().map { $1.ms(seq: $0 + 1) }
        try expectEqual(try await store.wholeTranscript(conversationID: c.id), expected, "the transcript reads back whole, numbered from 1")
        try expectEqual(
            try await store.transcript(conversationID: c.id, after: 1_500, limit: 100),
            Array(expected[1_500..<1_600]),
            "a page of the transcript: after a seq, at most the limit"
        )
        try expectEqual(try await store.transcript(conversationID: c.id, after: 2_000, limit: 10), [], "nothing after the last entry")
        try expectEqual(try await store.transcript(conversationID: "missing", after: 0, limit: 10), [], "an unknown conversation")
        let read = try unwrap(try await store.conversation(id: c.id), "the conversation is stored")
        try expectEqual(read.ms, c.stored, "a conversation reads back as written, at revision 1")
        try expectEqual(read.revision, 1, "an inserted conversation is at revision 1")
        let ongoing = try await store.ongoingConversation(connector: c.connector, address: c.address)
        try expectEqual(ongoing?.ms, c.stored, "the connection's ongoing conversation is the one stored")
        try expectEqual(try await store.ongoingConversation(connector: "other", address: c.address), nil, "another connector")
        try expectEqual(try await store.ongoingConversation(connector: c.connector, address: .sms("+4799999999")), nil, "another address")
        try expectEqual(try await store.conversation(id: "missing"), nil, "an unknown id")
    }

    /// The conversation, its replies (pinned, queued), the form, and the routed mark: one turn.
    package func aTurnCommitsEverything() async throws {
        let store = try await makeStore()
        let inbound = StoreFixture.inbound("report")
        try await store.recordInbound(inbound)
        let c = Fixture.conversation()
        let heard = ConversationEntry(direction: .inbound, text: "report", at: StoreFixture.t0, messageID: inbound.id, step: "start")
        let replies = [Fixture.reply("What happened?"), Fixture.reply("Answer within 10 minutes")]
        let form = FormSubmission(
            messageID: inbound.id,
            formID: "report",
            fields: [FormField(path: "what", value: "fire")],
            receivedAt: StoreFixture.t0
        )
        let turn = ConversationTurn(
            writes: [ConversationWrite(conversation: c, expectedRevision: nil, appending: [heard])],
            replies: replies,
            form: form,
            routedMessageID: inbound.id
        )
        let acceptances = try await store.commitTurn(turn)
        try expectEqual(acceptances.map(\.record.message.id), replies.map(\.message.id), "one acceptance per reply, in order")
        try expectEqual(acceptances.map(\.replayed), [false, false], "new replies are not replays")
        for reply in replies {
            let record = try unwrap(try await store.message(id: reply.message.id), "a reply is in the outbox")
            try expectEqual(record.deliveries.map(\.ms), reply.deliveries.map(\.ms), "a reply's deliveries are stored")
            try expectEqual(record.deliveries.first?.pinnedConnector, Fixture.connector, "a reply leaves on the connector")
        }
        let stored = try await store.formSubmission(id: form.id, viewer: .unrestricted)
        try expectEqual(stored?.fields, form.fields, "the turn's form is stored")
        let unrouted = try await store.unroutedInbound(limit: 10).map(\.id)
        try expectTrue(!unrouted.contains(inbound.id), "the answered message is no longer unrouted")
        try expectEqual(try await store.conversation(id: c.id)?.ms, c.stored, "the conversation is stored")
        try expectEqual(try await store.wholeTranscript(conversationID: c.id), [heard.ms(seq: 1)], "the message is in its transcript")
        try expectTrue(try await store.transcriptHolds(inboundMessageID: inbound.id), "the answered message is found by its id")
    }

    /// A write carries the revision it read; an older one, a taken id or a vanished
    /// conversation is refused and nothing of the turn is kept.
    package func revisionsAreChecked() async throws {
        let store = try await makeStore()
        let c = Fixture.conversation()
        _ = try await store.commitTurn(Fixture.insert(c))
        let read = try unwrap(try await store.conversation(id: c.id), "stored")
        var next = read
        next.stepCount += 1
        next.nextStep = "where"
        _ = try await store.commitTurn(Fixture.update(next))
        try expectEqual(try await store.conversation(id: c.id)?.ms, next.stored, "an update is stored at the next revision")

        var stale = read
        stale.data["x"] = .string("stale")
        let reply = Fixture.reply("from a stale turn")
        try await expectError(.conflict, "conversation_changed", "a turn computed from revision 1 after revision 2") {
            try await store.commitTurn(ConversationTurn(writes: [ConversationWrite(conversation: stale, expectedRevision: 1)], replies: [reply]))
        }
        try expectEqual(try await store.conversation(id: c.id)?.ms, next.stored, "the refused turn changed nothing")
        try expectEqual(try await store.message(id: reply.message.id), nil, "the refused turn's reply is not queued")
        try await expectError(.conflict, "conversation_exists", "an insert with a taken id") {
            try await store.commitTurn(Fixture.insert(c))
        }
        var ghost = Fixture.conversation(address: .sms("+4711111111"))
        ghost.revision = 1
        try await expectError(.conflict, "conversation_changed", "an update of a conversation never stored") {
            try await store.commitTurn(Fixture.update(ghost))
        }
        try expectEqual(try await store.conversation(id: ghost.id), nil, "a refused update stores nothing")
    }

    /// Turns racing on one revision: exactly one commits, with its reply.
    package func concurrentTurnsCommitOnce() async throws {
        let store = try await makeStore()
        let c = Fixture.conversation()
        _ = try await store.commitTurn(Fixture.insert(c))
        let read = try unwrap(try await store.conversation(id: c.id), "stored")
        let replies = (0..<8).map { Fixture.reply("turn \($0)") }
        let outcomes = await withTaskGroup(of: (Int, String?).self) { group in
            for i in 0..<8 {
                group.addTask {
                    var mine = read
                    mine.data["n"] = .number(Double(i))
                    do {
                        _ = try await store.commitTurn(
                            ConversationTurn(writes: [.init(conversation: mine, expectedRevision: 1)], replies: [replies[i]])
                        )
                        return (i, nil)
                    } catch let error as SwitchboardError {
                        return (i, error.code)
                    } catch {
                        return (i, "\(error)")
                    }
                }
            }
            return await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
        }
        let winners = outcomes.filter { $0.1 == nil }.map(\.0)
        try expectEqual(winners.count, 1, "exactly one of eight racing turns commits")
        try expectEqual(Set(outcomes.compactMap(\.1)), ["conversation_changed"], "the others are told it changed")
        let stored = try await store.conversation(id: c.id)
        try expectEqual(stored?.revision, 2, "one write, one revision")
        try expectEqual(stored?.data["n"], winners.first.map { JSONValue.number(Double($0)) }, "the winner's data is stored")
        for (i, reply) in replies.enumerated() {
            let queued = try await store.message(id: reply.message.id) != nil
            try expectEqual(queued, winners.contains(i), "only the winning turn's reply is queued (turn \(i))")
        }
    }

    /// A connection has at most one ongoing conversation; finished ones do not count, and one
    /// turn may end the old one and start a new one, in that order.
    package func oneOngoingPerConnection() async throws {
        let store = try await makeStore()
        let a = Fixture.conversation()
        _ = try await store.commitTurn(Fixture.insert(a))
        let b = Fixture.conversation(responder: "survey")
        try await expectError(.conflict, "conversation_ongoing", "a second ongoing conversation on one connection") {
            try await store.commitTurn(Fixture.insert(b))
        }
        try expectEqual(try await store.conversation(id: b.id), nil, "the refused conversation is not stored")
        _ = try await store.commitTurn(Fixture.insert(Fixture.conversation(connector: "xmpp")))
        _ = try await store.commitTurn(Fixture.insert(Fixture.conversation(address: .sms("+4722222222"))))
        let done = Fixture.conversation(status: .complete)
        _ = try await store.commitTurn(Fixture.insert(done))

        var ended = try unwrap(try await store.conversation(id: a.id), "stored")
        ended.status = .aborted
        ended.endReason = "aborted by /new"
        ended.endedBy = "party"
        ended.nextStep = nil
        let fresh = Fixture.conversation(responder: "survey")
        _ = try await store.commitTurn(
            ConversationTurn(writes: [.init(conversation: ended, expectedRevision: 1), .init(conversation: fresh, expectedRevision: nil)])
        )
        let ongoing = try await store.ongoingConversation(connector: a.connector, address: a.address)
        try expectEqual(ongoing?.id, fresh.id, "ending one and starting another in one turn")

        var revived = try unwrap(try await store.conversation(id: done.id), "stored")
        revived.status = .ongoing
        try await expectError(.conflict, "conversation_ongoing", "a finished conversation made ongoing beside an ongoing one") {
            try await store.commitTurn(Fixture.update(revived))
        }
        let elsewhere: Address = .sms("+4733333333")
        let (x, y) = (Fixture.conversation(address: elsewhere), Fixture.conversation(responder: "survey", address: elsewhere))
        try await expectError(.conflict, "conversation_ongoing", "one turn starting two on one connection") {
            try await store.commitTurn(
                ConversationTurn(writes: [.init(conversation: x, expectedRevision: nil), .init(conversation: y, expectedRevision: nil)])
            )
        }
        try expectEqual(try await store.conversation(id: x.id), nil, "the refused turn's first write is not kept")
    }

    /// Two first messages of one party racing: one conversation starts.
    package func concurrentStartsOnOneConnectionCommitOnce() async throws {
        let store = try await makeStore()
        let candidates = (0..<8).map { _ in Fixture.conversation() }
        let codes = await withTaskGroup(of: String?.self) { group in
            for c in candidates {
                group.addTask {
                    do {
                        _ = try await store.commitTurn(Fixture.insert(c))
                        return nil
                    } catch let error as SwitchboardError {
                        return error.code
                    } catch {
                        return "\(error)"
                    }
                }
            }
            return await group.reduce(into: [String?]()) { $0.append($1) }
        }
        try expectEqual(codes.filter { $0 == nil }.count, 1, "exactly one of eight racing starts commits")
        try expectEqual(Set(codes.compactMap { $0 }), ["conversation_ongoing"], "the others are refused as ongoing")
        let ongoing = try await store.ongoingConversation(connector: Fixture.connector, address: Fixture.party)
        try expectTrue(ongoing.map { o in candidates.contains { $0.id == o.id } } ?? false, "the winner is the ongoing one")
    }
}
