import Foundation
import SwitchboardCore
import Testing

@Suite("Topic subscriber queues")
struct TopicBackpressureTests {
    static func topic(limit: Int) -> TopicDefinition {
        var t = TopicDefinition(
            name: "feed",
            columns: [TopicColumn(name: "n", type: .integer)],
            read: TopicAccess(anonymous: true),
            write: TopicAccess(anonymous: true)
        )
        t.maxQueuedFrames = limit
        t.historyLimit = 1_000
        return t
    }

    func post(_ n: Int, _ hub: TopicHub, _ topic: TopicDefinition) async throws {
        _ = try await hub.write(TopicFrame(method: .post, fields: ["n": .integer(Int64(n))]), to: topic, principal: nil)
    }

    @Test func aSubscriberThatFallsBehindIsDroppedWithOneTooSlowFrame() async throws {
        let topic = Self.topic(limit: 3)
        let hub = TopicHub(topics: [topic], store: MemoryStore())
        let slow = try await hub.subscribe(topic, principal: nil, query: TopicQuery())
        let keeping = try await hub.subscribe(topic, principal: nil, query: TopicQuery())
        #expect(await keeping.next()?.count == 1)  // ready
        var kept: [String] = []
        for n in 0..<10 {
            try await post(n, hub, topic)
            kept += await keeping.next() ?? []
        }
        #expect(slow.endReason == .tooSlow)
        #expect(hub.subscriberCount(topic.name) == 1, "the slow subscriber is unregistered; the other stays")
        let last = try #require(await slow.next())
        #expect(
            last.count == 1 && last[0].contains(#""error":"too_slow""#) && last[0].contains("more than 3 messages"),
            "its queue is dropped and one too_slow frame takes its place: \(last)"
        )
        #expect(await slow.next() == nil)
        #expect(kept.count == 10 && keeping.endReason == nil, "a subscriber that keeps up gets every row")
    }

    @Test func historyOnConnectDoesNotCountAsFallingBehind() async throws {
        let topic = Self.topic(limit: 2)
        let hub = TopicHub(topics: [topic], store: MemoryStore())
        for n in 0..<20 { try await post(n, hub, topic) }
        let sub = try await hub.subscribe(topic, principal: nil, query: TopicQuery())
        try await post(20, hub, topic)
        try await post(21, hub, topic)
        #expect(sub.endReason == nil, "20 history rows, ready and 2 live rows stay within history + limit")
        let batch = try #require(await sub.next())
        #expect(batch.count == 23 && batch[20].contains(#""_type":"ready""#))
        try await post(22, hub, topic)
        try await post(23, hub, topic)
        #expect(sub.endReason == nil)
        try await post(24, hub, topic)
        #expect(sub.endReason == .tooSlow, "once the history is taken, the plain limit applies")
    }

    @Test func aDroppedSubscriberIsLoggedAsAWarningWithTopicUserAndQueueSize() async throws {
        let topic = Self.topic(limit: 3)
        let logs = CapturedLogs()
        let hub = TopicHub(topics: [topic], store: MemoryStore(), logger: logs.logger)
        let slow = try await hub.subscribe(topic, principal: TopicPrincipal(id: "alice", role: "admin"), query: TopicQuery())
        let anonymous = try await hub.subscribe(topic, principal: nil, query: TopicQuery())
        // Each has its ready frame and 3 rows waiting (history + limit); the fourth row is one too many.
        for n in 0..<4 { try await post(n, hub, topic) }
        #expect(slow.endReason == .tooSlow && anonymous.endReason == .tooSlow)
        let warnings = logs.entries.filter { $0.level == .warning }
        #expect(warnings.map(\.message) == Array(repeating: "topic subscriber dropped as too slow", count: 2))
        #expect(Set(warnings.compactMap { $0.metadata["user"] }) == ["alice", "(anonymous)"])
        for w in warnings {
            #expect(w.metadata["topic"] == "feed" && w.metadata["queued_frames"] == "5" && w.metadata["max_queued_frames"] == "3", "\(w)")
        }
    }

    /// Why `max_queued_frames` costs little per subscriber: a row is encoded once and every
    /// subscriber's queue holds a reference to that one text (16 bytes), never a copy.
    @Test func aQueuedRowIsSharedByEverySubscribersQueueNotCopied() async throws {
        let topic = Self.topic(limit: 100)
        let hub = TopicHub(topics: [topic], store: MemoryStore())
        var subscribers: [TopicSubscription] = []
        for _ in 0..<3 {
            let s = try await hub.subscribe(topic, principal: nil, query: TopicQuery())
            _ = await s.next()  // ready
            subscribers.append(s)
        }
        try await post(1, hub, topic)
        var storage: [UnsafeRawPointer?] = []
        for s in subscribers {
            let frame = try #require(await s.next()?.first)
            #expect(frame.contains(#""n":1"#))
            storage.append(frame.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil)
        }
        #expect(storage[0] != nil && Set(storage).count == 1, "one text for all subscribers: \(storage)")
        #expect(MemoryLayout<String>.stride == 16)
    }

    @Test func answersToTheClientsOwnWritesNeverOverflow() async throws {
        let topic = Self.topic(limit: 1)
        let hub = TopicHub(topics: [topic], store: MemoryStore())
        let sub = try await hub.subscribe(topic, principal: nil, query: TopicQuery())
        for n in 0..<5 { sub.send(#"{"_type":"ack","n":\#(n)}"#) }
        #expect(sub.endReason == nil)
        #expect(await sub.next()?.count == 6)
    }
}

@Suite("Topic alerts kept with their rows")
struct TopicAlertIntentTests {
    static func topic() -> TopicDefinition {
        var t = TopicDefinition(name: "chat", columns: [TopicColumn(name: "body", type: .text)])
        t.prepare = [.require(["body"], message: nil)]
        t.modify = [("shout", .field("body"))]
        t.alert = TopicAlertSettings(to: ["ops@example.org"], text: "{{body}}", methods: [.post, .delete])
        return t
    }

    @Test func anAlertingWriteRecordsItsAlertInItsTransaction() async throws {
        let topic = Self.topic()
        let store = MemoryStore()
        let hub = TopicHub(topics: [topic], store: store)
        let alice = TopicPrincipal(id: "alice", role: "user")
        let posted = try await hub.write(TopicFrame(method: .post, fields: ["body": .text("hello")]), to: topic, principal: alice)
        let quiet = try await hub.write(TopicFrame(method: .post, fields: ["body": .text("quiet")], alert: false), to: topic, principal: alice)
        let put = try await hub.write(
            TopicFrame(method: .put, fields: ["id": .text(posted.row.id), "body": .text("edited")]),
            to: topic,
            principal: alice
        )
        await #expect(throws: TopicError.self) { try await hub.write(TopicFrame(method: .post), to: topic, principal: alice) }
        #expect(posted.alertID != nil && quiet.alertID == nil && put.alertID == nil, "POST alerts; _alert:false and PUT (not in methods) do not")
        let pending = try await hub.pendingAlerts()
        #expect(pending.count == 1, "a refused write records nothing")
        #expect(pending.first?.change.row.id == posted.row.id && pending.first?.principal == alice)
        #expect(pending.first?.change.row["shout"] == .text("hello"), "a recovered alert sees the row as broadcast (modify applied)")
        try await hub.clearAlert(try #require(posted.alertID))
        #expect(try await hub.pendingAlerts().isEmpty)
    }

    @Test func aBatchOfPostsSplitsWhereTheAlertChoiceChanges() async throws {
        let topic = Self.topic()
        let hub = TopicHub(topics: [topic], store: MemoryStore())
        let frames = [true, false, false, true].enumerated().map { i, alert in
            TopicFrame(method: .post, fields: ["body": .text("m\(i)")], alert: alert)
        }
        let results = await hub.write(frames, to: topic, principal: TopicPrincipal(id: "alice", role: "user"))
        let ids = try results.map { try $0.get().alertID != nil }
        #expect(ids == [true, false, false, true])
        #expect(try await hub.pendingAlerts().map { $0.change.row["body"] } == [.text("m0"), .text("m3")])
    }
}
