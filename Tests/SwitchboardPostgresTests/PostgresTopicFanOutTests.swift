import Foundation
import PostgresNIO
import SwitchboardCore
import SwitchboardTesting
import Testing

@testable import SwitchboardPostgres

/// Topic rows written through any node reach every node's subscribers once, in revision
/// order, with history-then-live for a subscriber that joins while rows arrive; a node whose
/// listening connection is killed catches up, and polls while it is deaf.
@Suite("PostgreSQL: topic changes of every node reach every node's subscribers", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresTopicFanOutTests {
    static let writer = TopicPrincipal(id: "alice", role: "user", displayName: "Alice Writer")
    static let reader = TopicPrincipal(id: "bob", role: "user", displayName: "Bob Reader")

    /// The conformance topic, with a `modify` rule that shows whose write a subscriber got.
    static let topic: TopicDefinition = {
        var topic = TopicStoreConformance.topic
        topic.modify = [(field: "by", source: .userField("display_name"))]
        return topic
    }()

    /// One node: its own pool, notices, topic hub and listener.
    struct Node {
        let store: PostgresStore
        let hub: TopicHub
        let listener: PostgresFanOutListener
        let events: AsyncStream<PostgresFanOutListener.Event>
    }

    static func node(
        _ harness: PostgresHarness,
        schema: String,
        retry: RetryPolicy = RetryPolicy(delay: 0.05, factor: 2, maxDelay: 0.2, limit: .max, jitter: 0),
        pollInterval: Duration = .seconds(60)
    ) throws -> Node {
        let store = try harness.makeUnmigratedStore(schema: schema)
        let notices = ClusterNotices()
        let (events, queue) = AsyncStream.makeStream(of: PostgresFanOutListener.Event.self)
        let listener = PostgresFanOutListener(store: store, notices: notices, retry: retry, pollInterval: pollInterval) { queue.yield($0) }
        return Node(store: store, hub: TopicHub(topics: [topic], store: store, notices: notices), listener: listener, events: events)
    }

    /// Two nodes on a fresh schema, listening, their topics prepared; `body` runs while they listen.
    static func withNodes(
        b makeB: ((PostgresHarness, String) throws -> Node)? = nil,
        _ body: (Node, Node, PostgresHarness) async throws -> Void
    ) async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let schema = try await harness.makeSchema()
            let a = try node(harness, schema: schema)
            let b = try makeB?(harness, schema) ?? node(harness, schema: schema)
            try await a.store.migrate()
            try await a.hub.prepare()
            try await b.hub.prepare()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await a.listener.run() }
                group.addTask { try await b.listener.run() }
                for node in [a, b] { _ = try await PostgresDoorbellTests.nextListening(node.events, "listening") }
                try await body(a, b, harness)
                group.cancelAll()
            }
        }
    }

    static func post(_ body: String, on node: Node) async throws -> TopicChange {
        try await node.hub.write(TopicFrame(method: .post, fields: ["body": .text(body)]), to: topic, principal: writer)
    }

    /// Message frames of `subscription` (history and live; `ready` skipped) until `count`, or
    /// a failure after `seconds`.
    static func messages(_ subscription: TopicSubscription, _ count: Int, within seconds: Double = 20) async throws -> [[String: Any]] {
        let texts = try await withThrowingTaskGroup(of: [String]?.self) { group in
            group.addTask {
                var got: [String] = []
                for await frame in subscription.frames where frame.hasPrefix(#"{"_type":"message""#) {
                    got.append(frame)
                    if got.count == count { break }
                }
                return got
            }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let texts, texts.count == count else { throw HarnessError(message: "fewer than \(count) messages within \(seconds) s") }
        return try texts.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
    }

    /// Every row's id in revision order, as the database has them.
    static func idsInOrder(_ node: Node) async throws -> [String] {
        try await node.store.history(of: topic, query: TopicQuery(), limit: 10_000).rows.map(\.id)
    }

    @Test func rowsWrittenOnBothNodesAtOnceReachEverySubscriberOnceInOrder() async throws {
        try await Self.withNodes { a, b, _ in
            let onA = try await a.hub.subscribe(Self.topic, principal: Self.reader, query: TopicQuery())
            let onB = try await b.hub.subscribe(Self.topic, principal: Self.reader, query: TopicQuery())
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (name, node) in [("a", a), ("b", b)] {
                    group.addTask {
                        for i in 0..<40 { _ = try await Self.post("\(name)\(i)", on: node) }
                        // Batches too: one transaction, several revisions, one notice.
                        for j in 0..<4 {
                            let frames = (0..<10).map { TopicFrame(method: .post, fields: ["body": .text("\(name)batch\(j)-\($0)")]) }
                            for result in await node.hub.write(frames, to: Self.topic, principal: Self.writer) { _ = try result.get() }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let order = try await Self.idsInOrder(a)
            #expect(order.count == 160)
            for (name, subscription) in [("A", onA), ("B", onB)] {
                let got = try await Self.messages(subscription, 160)
                #expect(got.compactMap { $0["id"] as? String } == order, "node \(name): every row once, in revision order")
                #expect(got.allSatisfy { $0["by"] as? String == "Alice Writer" }, "node \(name): modify ran with the writer")
            }
            onA.cancel()
            onB.cancel()
        }
    }

    /// A subscriber that joins node B while node A writes gets history, `ready`, then live
    /// rows: together every row from the first it was given, once, in order.
    @Test func aSubscriberJoiningWhileAnotherNodeWritesGetsHistoryThenLiveWithoutGapOrDuplicate() async throws {
        try await Self.withNodes { a, b, _ in
            let (written, progress) = AsyncStream.makeStream(of: Int.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for i in 0..<150 {
                        _ = try await Self.post("row \(i)", on: a)
                        progress.yield(i)
                    }
                    progress.finish()
                }
                for await i in written where i == 40 { break }
                let joined = try await b.hub.subscribe(Self.topic, principal: Self.reader, query: TopicQuery(limit: 1_000))
                try await group.waitForAll()
                let order = try await Self.idsInOrder(a)
                var frames: [String] = []
                // Everything is committed: the frames to come are the history and the rows after it.
                let texts = try await Self.messages(joined, 150)
                for text in texts { frames.append(text["id"] as? String ?? "?") }
                let history = texts.filter { $0["_history"] as? Bool == true }.count
                #expect(history >= 41, "the rows before joining came as history")
                #expect(frames == order, "history then live: no gap, no duplicate, in order")
                joined.cancel()
            }
        }
    }

    @Test func updatesAndDeletesOnOneNodeReachTheOthersSubscribers() async throws {
        try await Self.withNodes { a, b, _ in
            let onB = try await b.hub.subscribe(Self.topic, principal: Self.reader, query: TopicQuery())
            let posted = try await Self.post("first", on: a)
            _ = try await a.hub.write(
                TopicFrame(method: .put, fields: ["id": .text(posted.row.id), "body": .text("second")]),
                to: Self.topic,
                principal: Self.writer
            )
            _ = try await a.hub.write(TopicFrame(method: .delete, fields: ["id": .text(posted.row.id)]), to: Self.topic, principal: Self.writer)
            let got = try await Self.messages(onB, 3)
            #expect(got.map { $0["_method"] as? String } == ["POST", "PUT", "DELETE"])
            #expect(got.map { $0["body"] as? String } == ["first", "second", "second"])
            #expect(Set(got.compactMap { $0["id"] as? String }) == [posted.row.id])
            onB.cancel()
        }
    }

    /// Node B's listening connection is killed while node A writes: once B listens again it
    /// reads every row above the last it handed on; nothing is missed, nothing doubled.
    @Test func aLostListeningConnectionCatchesUpFromTheLastRevision() async throws {
        try await Self.withNodes { a, b, harness in
            let onB = try await b.hub.subscribe(Self.topic, principal: Self.reader, query: TopicQuery())
            for i in 0..<10 { _ = try await Self.post("before \(i)", on: a) }
            _ = try await Self.messages(onB, 10)
            let killed = try await harness.admin.rows(
                "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = \(b.listener.applicationName)"
            )
            #expect(killed.count == 1, "one listening connection")
            for i in 0..<20 { _ = try await Self.post("while deaf \(i)", on: a) }
            guard case .lost = try await PostgresDoorbellTests.next(b.events, "the lost connection") else {
                Issue.record("expected the listener to report the lost connection")
                return
            }
            _ = try await PostgresDoorbellTests.nextListening(b.events, "listening again")
            for i in 0..<10 { _ = try await Self.post("after \(i)", on: a) }
            let order = try await Self.idsInOrder(a)
            let got = try await Self.messages(onB, 30)
            #expect(got.compactMap { $0["id"] as? String } == Array(order.dropFirst(10)))
            onB.cancel()
        }
    }

    /// While its connection stays lost (the next attempt is 30 s away), node B polls: rows
    /// node A writes meanwhile still reach B's subscriber, in order.
    @Test func whileTheListeningConnectionIsLostPollingBringsOtherNodesRows() async throws {
        let slowRetry = RetryPolicy(delay: 30, factor: 1, maxDelay: 30, limit: .max, jitter: 0)
        let makeB: (PostgresHarness, String) throws -> Node = { harness, schema in
            try Self.node(harness, schema: schema, retry: slowRetry, pollInterval: .milliseconds(100))
        }
        try await Self.withNodes(b: makeB) { a, b, harness in
            let onB = try await b.hub.subscribe(Self.topic, principal: Self.reader, query: TopicQuery())
            _ = try await harness.admin.rows(
                "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = \(b.listener.applicationName)"
            )
            guard case .lost = try await PostgresDoorbellTests.next(b.events, "the lost connection") else {
                Issue.record("expected the listener to report the lost connection")
                return
            }
            for i in 0..<5 { _ = try await Self.post("polled \(i)", on: a) }
            let got = try await Self.messages(onB, 5, within: 10)
            #expect(got.compactMap { $0["id"] as? String } == (try await Self.idsInOrder(a)))
            onB.cancel()
        }
    }

    /// A node behind by more than the change log keeps (its rows pruned meanwhile) cannot
    /// give its subscribers a gap-free feed: it ends them as too slow, so they reconnect
    /// with `_since` and read the rows themselves.
    @Test func aNodeBehindMoreThanTheChangeLogKeepsEndsItsSubscribersAsTooSlow() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let schema = try await harness.makeSchema()
            // Neither node listens: B hears nothing until it is told to catch up.
            let a = try Self.node(harness, schema: schema)
            let b = try Self.node(harness, schema: schema)
            try await a.store.migrate()
            try await a.hub.prepare()
            try await b.hub.prepare()
            let onB = try await b.hub.subscribe(Self.topic, principal: Self.reader, query: TopicQuery())
            for i in 0..<3 { _ = try await Self.post("gone \(i)", on: a) }
            #expect(try await a.store.pruneTopicChanges(olderThan: -60) == 3)
            await b.hub.handle(.resync(resumed: true))
            #expect(onB.endReason == .tooSlow)
            var frames: [String] = []
            for await frame in onB.frames { frames.append(frame) }
            #expect(frames.last?.contains(#""error":"too_slow""#) == true, "\(frames)")
            #expect(b.hub.subscriberCount(Self.topic.name) == 0)
        }
    }

    /// An inbox item added through node A is read by node B's hub and published to its live
    /// inbox; a node's listener skips its own store's items (its router published them).
    @Test func anInboxItemAddedOnOneNodeReachesTheOtherNodesLiveInbox() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let schema = try await harness.makeSchema()
            let storeA = try harness.makeUnmigratedStore(schema: schema)
            let storeB = try harness.makeUnmigratedStore(schema: schema)
            try await storeA.migrate()
            let hubB = Hub(configuration: HubConfiguration(), store: storeB, connectors: [])
            let noticesA = ClusterNotices()
            let (seenOnA, seenQueue) = AsyncStream.makeStream(of: Int64.self)
            noticesA.add { notice in if case .inboxItem(let id) = notice { seenQueue.yield(id) } }
            let (eventsA, queueA) = AsyncStream.makeStream(of: PostgresFanOutListener.Event.self)
            let (eventsB, queueB) = AsyncStream.makeStream(of: PostgresFanOutListener.Event.self)
            let listenerA = PostgresFanOutListener(store: storeA, notices: noticesA) { queueA.yield($0) }
            let listenerB = PostgresFanOutListener(store: storeB, notices: hubB.clusterNotices) { queueB.yield($0) }
            let items = hubB.inboxEvents.subscribe()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await listenerA.run() }
                group.addTask { try await listenerB.run() }
                _ = try await PostgresDoorbellTests.nextListening(eventsA, "A listening")
                _ = try await PostgresDoorbellTests.nextListening(eventsB, "B listening")
                let message = Message(direction: .inbound, text: "on my way", origin: Origin(connector: "bucket", from: .sms("+4712345678")))
                try await storeA.recordInbound(message)
                let added = try await storeA.addToInbox(messageID: message.id, owner: nil)
                let relayed = try await PostgresDoorbellTests.next(items, "the item on node B")
                #expect(relayed.id == added.id)
                #expect(relayed.message.text == "on my way")
                // Then one through B: A's listener hears B's item first, its own never.
                let other = Message(direction: .inbound, text: "second", origin: Origin(connector: "bucket", from: .sms("+4712345678")))
                try await storeB.recordInbound(other)
                let addedOnB = try await storeB.addToInbox(messageID: other.id, owner: "alice")
                #expect(try await PostgresDoorbellTests.next(seenOnA, "B's item noticed on A") == addedOnB.id)
                group.cancelAll()
            }
        }
    }
}
