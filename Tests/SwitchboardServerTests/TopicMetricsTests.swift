import Prometheus
import SwitchboardCore
import SwitchboardSQLite
import Testing

/// What an operator sees of topics on `/metrics`: open subscriptions, committed writes by
/// method, subscribers dropped for falling behind.
@Suite("Topic metrics")
struct TopicMetricsTests {
    /// The value of one sample in the registry's Prometheus text (0 when absent).
    static func sample(_ series: String) -> Double {
        var bytes: [UInt8] = []
        TestMetrics.registry.emit(into: &bytes)
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n")
            .first { $0.hasPrefix(series + " ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    @Test func subscribersWritesAndDropsAreCounted() async throws {
        _ = TestMetrics.registry  // the metrics system is bootstrapped before the hub makes its metrics
        var topic = TopicDefinition(
            name: "metered",
            columns: [TopicColumn(name: "body", type: .text)],
            read: TopicAccess(anonymous: true),
            write: TopicAccess(anonymous: true)
        )
        topic.maxQueuedFrames = 2
        let hub = TopicHub(topics: [topic], store: try SQLiteStore.inMemory())
        let subscription = try await hub.subscribe(topic, principal: nil, query: TopicQuery())
        #expect(Self.sample(#"switchboard_topic_subscribers{topic="metered"}"#) == 1)
        for i in 0..<5 {
            _ = try await hub.write(TopicFrame(method: .post, fields: ["body": .text("\(i)")]), to: topic, principal: nil)
        }
        #expect(subscription.endReason == .tooSlow, "nobody read, so the subscriber fell behind")
        #expect(Self.sample(#"switchboard_topic_writes_total{topic="metered",method="POST"}"#) == 5)
        #expect(Self.sample(#"switchboard_topic_subscribers_dropped_total{topic="metered",reason="too_slow"}"#) == 1)
        #expect(Self.sample(#"switchboard_topic_subscribers{topic="metered"}"#) == 0)
    }
}
