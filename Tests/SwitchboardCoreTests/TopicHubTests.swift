import Foundation
import SwitchboardCore
import Testing

@Suite("Topic hub")
struct TopicHubTests {
    static let alice = TopicPrincipal(id: "alice", role: "user")
    static let bob = TopicPrincipal(id: "bob", role: "user")
    static let admin = TopicPrincipal(id: "root", role: "admin")
    static let ops = TopicPrincipal(id: "olga", role: "user", groups: ["ops"])

    static func chat() -> TopicDefinition {
        var t = TopicDefinition(
            name: "chat",
            columns: [
                TopicColumn(name: "body", type: .text), TopicColumn(name: "recipient", type: .text),
                TopicColumn(name: "topic", type: .text), TopicColumn(name: "length", type: .integer),
            ]
        )
        t.defaults[.post] = [("length", .length("body"))]
        t.prepare = [
            .require(["body"], message: nil), .maxLength(["body": 10], message: nil),
            .restrict(field: "topic", values: ["alerts"], access: TopicAccess(roles: ["ops"]), message: "only ops may post alerts"),
        ]
        t.modify = [("shout", .field("body"))]
        return t
    }

    func hub(_ topic: TopicDefinition = chat()) -> TopicHub { TopicHub(topics: [topic], store: MemoryStore()) }

    func next(_ it: inout TopicSubscription.Frames.Iterator) async throws -> [String: Any] {
        let text = try #require(await it.next())
        return try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func postIsStoredThenBroadcastWithDefaultsAndModify() async throws {
        let hub = hub()
        let topic = hub.topics[0]
        let sub = try await hub.subscribe(topic, principal: Self.bob, query: TopicQuery())
        var frames = sub.frames.makeAsyncIterator()
        #expect(try await next(&frames)["_type"] as? String == "ready")
        let change = try await hub.write(TopicFrame(method: .post, fields: ["body": .text("hello")]), to: topic, principal: Self.alice)
        #expect(change.row.id.count == 22 && change.row.user == "alice" && change.row["length"] == .integer(5))
        let live = try await next(&frames)
        #expect(live["id"] as? String == change.row.id && live["shout"] as? String == "hello" && live["user"] as? String == "alice")
        let history = try await hub.subscribe(topic, principal: Self.bob, query: TopicQuery())
        var h = history.frames.makeAsyncIterator()
        let first = try await next(&h)
        #expect(first["_history"] as? Bool == true && first["body"] as? String == "hello" && first["shout"] == nil)
    }

    @Test func rulesRefuseWithTheirMessage() async throws {
        let hub = hub()
        let topic = hub.topics[0]
        func refusal(_ fields: [String: TopicValue], _ who: TopicPrincipal?) async -> TopicError? {
            do {
                _ = try await hub.write(TopicFrame(method: .post, fields: fields), to: topic, principal: who)
                return nil
            } catch { return error as? TopicError }
        }
        #expect(await refusal([:], Self.alice)?.code == "required")
        #expect(await refusal(["body": .text("far too long a message")], Self.alice)?.code == "too_long")
        #expect(await refusal(["body": .text("x"), "topic": .text("alerts")], Self.alice)?.message == "only ops may post alerts")
        #expect(await refusal(["body": .text("x"), "topic": .text("alerts")], Self.ops) == nil)
        #expect(await refusal(["body": .text("x"), "user": .text("mallory")], Self.alice)?.code == "read_only_field")
        #expect(await refusal(["body": .integer(3)], Self.alice) == nil)  // coerced to text
        #expect(await refusal(["body": .text("x"), "colour": .text("red")], Self.alice)?.code == "unknown_field")
        #expect(await refusal(["body": .text("x")], nil)?.kind == .unauthorized)
    }

    @Test func onlyTheAuthorOrAnAdminMayPutOrDelete() async throws {
        let hub = hub()
        let topic = hub.topics[0]
        let id = try await hub.write(TopicFrame(method: .post, fields: ["body": .text("v1")]), to: topic, principal: Self.alice).row.id
        await #expect(throws: TopicError.self) {
            try await hub.write(TopicFrame(method: .put, fields: ["id": .text(id), "body": .text("evil")]), to: topic, principal: Self.bob)
        }
        let put = try await hub.write(TopicFrame(method: .put, fields: ["id": .text(id), "body": .text("v2")]), to: topic, principal: Self.alice)
        #expect(put.row["body"] == .text("v2") && put.row.user == "alice")
        await #expect(throws: TopicError.self) {
            try await hub.write(TopicFrame(method: .delete, fields: ["id": .text(id)]), to: topic, principal: Self.bob)
        }
        let gone = try await hub.write(TopicFrame(method: .delete, fields: ["id": .text(id)]), to: topic, principal: Self.admin)
        #expect(gone.row["body"] == .text("v2"))
    }

    @Test func openRuleForcesFiltersFromTheSession() async throws {
        var topic = Self.chat()
        topic.open = [TopicFilterTemplate(column: "recipient", op: .equal, source: .userID)]
        let hub = hub(topic)
        _ = try await hub.write(
            TopicFrame(method: .post, fields: ["body": .text("to bob"), "recipient": .text("bob")]),
            to: topic,
            principal: Self.alice
        )
        _ = try await hub.write(
            TopicFrame(method: .post, fields: ["body": .text("to carol"), "recipient": .text("carol")]),
            to: topic,
            principal: Self.alice
        )
        let sub = try await hub.subscribe(topic, principal: Self.bob, query: TopicQuery())
        var frames = sub.frames.makeAsyncIterator()
        #expect(try await next(&frames)["body"] as? String == "to bob")
        #expect(try await next(&frames)["_type"] as? String == "ready")
        _ = try await hub.write(
            TopicFrame(method: .post, fields: ["body": .text("carol2"), "recipient": .text("carol")]),
            to: topic,
            principal: Self.alice
        )
        _ = try await hub.write(
            TopicFrame(method: .post, fields: ["body": .text("bob2"), "recipient": .text("bob")]),
            to: topic,
            principal: Self.alice
        )
        #expect(try await next(&frames)["body"] as? String == "bob2")
    }

    /// Subscribers connect while a writer posts: each must see every row exactly once,
    /// history then live, in order.
    @Test func historyThenLiveHasNoGapAndNoDuplicate() async throws {
        var race = TopicDefinition(name: "race", columns: [TopicColumn(name: "n", type: .integer)])
        race.historyLimit = 10_000
        let topic = race
        let hub = hub(topic)
        let total = 300
        try await withThrowingTaskGroup(of: [Int].self) { group in
            group.addTask {
                for i in 0..<total {
                    _ = try await hub.write(TopicFrame(method: .post, fields: ["n": .integer(Int64(i))]), to: topic, principal: Self.alice)
                }
                return []
            }
            for delay in [0, 2, 5, 10, 20] {
                group.addTask {
                    try await Task.sleep(for: .milliseconds(delay))
                    let sub = try await hub.subscribe(topic, principal: Self.bob, query: TopicQuery())
                    var seen: [Int] = []
                    for await text in sub.frames {
                        guard let obj = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], let n = obj["n"] as? Int else {
                            continue
                        }
                        seen.append(n)
                        if n == total - 1 { break }
                    }
                    sub.cancel()
                    return seen
                }
            }
            for try await seen in group where !seen.isEmpty {
                #expect(seen == Array(0..<total), "a subscriber missed or repeated rows: \(seen.count) seen")
            }
        }
    }
}

/// A code hook: forces a filter on open, stamps a field before the write, and decorates the broadcast.
struct StampHook: TopicHook {
    func open(topic: TopicDefinition, principal: TopicPrincipal?, query: inout TopicQuery) async throws {
        query.filters.append(TopicFilter(column: "body", op: .notEqual, values: [.text("hidden")]))
    }
    func prepare(topic: TopicDefinition, method: TopicMethod, message: inout TopicRow, principal: TopicPrincipal?) async throws {
        if message["body"] == .text("forbidden") { throw TopicError.invalid("hook_refused", "the hook says no") }
        if method == .post { message["recipient"] = .text("stamped") }
    }
    func modify(topic: TopicDefinition, change: inout TopicChange, principal: TopicPrincipal?) async throws {
        change.row["decorated"] = .bool(true)
    }
}

@Suite("Topic hooks")
struct TopicHookTests {
    @Test func hooksRunAtOpenPrepareAndModify() async throws {
        let topic = TopicHubTests.chat()
        let hub = TopicHub(topics: [topic], store: MemoryStore(), hooks: ["chat": StampHook()])
        let sub = try await hub.subscribe(topic, principal: TopicHubTests.bob, query: TopicQuery())
        var frames = sub.frames.makeAsyncIterator()
        _ = await frames.next()  // ready
        await #expect(throws: TopicError.self) {
            try await hub.write(TopicFrame(method: .post, fields: ["body": .text("forbidden")]), to: topic, principal: TopicHubTests.alice)
        }
        _ = try await hub.write(TopicFrame(method: .post, fields: ["body": .text("hidden")]), to: topic, principal: TopicHubTests.alice)
        let change = try await hub.write(TopicFrame(method: .post, fields: ["body": .text("shown")]), to: topic, principal: TopicHubTests.alice)
        #expect(change.row["recipient"] == .text("stamped") && change.row["decorated"] == .bool(true))
        let text = try #require(await frames.next())
        #expect(text.contains(#""body":"shown""#) && text.contains(#""decorated":true"#))
    }
}
