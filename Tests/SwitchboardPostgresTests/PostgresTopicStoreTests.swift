import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

@testable import SwitchboardPostgres

/// The topic store on PostgreSQL: the same conformance suite as SQLite and memory, and what
/// several nodes writing one topic need (one gap-free order of revisions).
@Suite("PostgresStore topics", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresTopicStoreTests {
    @Test func conformance() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            try await TopicStoreConformance { try await harness.makeStore() }.runAll()
        }
    }

    /// Two nodes prepare the topics at once and then post to one topic at once: every write
    /// gets its own revision, together exactly 1…N, and history reads every row in that order.
    @Test func twoNodesWritingOneTopicShareOneGapFreeOrder() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let schema = try await harness.makeSchema()
            let nodes = [try harness.makeUnmigratedStore(schema: schema), try harness.makeUnmigratedStore(schema: schema)]
            try await nodes[0].migrate()
            let topic = TopicStoreConformance.topic
            try await withThrowingTaskGroup(of: Void.self) { group in
                for node in nodes { group.addTask { try await node.prepareTopics([topic]) } }
                try await group.waitForAll()
            }
            let perNode = 25
            let changes = try await withThrowingTaskGroup(of: [TopicChange].self) { group in
                for (n, node) in nodes.enumerated() {
                    group.addTask {
                        var made: [TopicChange] = []
                        for i in 0..<perNode {
                            let row = TopicRow([
                                "id": .text(TopicRow.makeID()), "user": .text("node\(n)"), "timestamp": .text("\(i)"), "body": .text("\(n)-\(i)"),
                            ])
                            made.append(try await node.insert(row, into: topic))
                        }
                        return made
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(changes.map(\.revision).sorted() == Array(1...Int64(2 * perNode)), "one revision per write, none twice, none skipped")
            let history = try await nodes[1].history(of: topic, query: TopicQuery(), limit: 1000)
            #expect(history.revision == Int64(2 * perNode))
            let byRevision = changes.sorted { $0.revision < $1.revision }.map(\.row.id)
            #expect(history.rows.map(\.id) == byRevision, "history is in revision order, whichever node wrote")
            let since = try await nodes[0].history(of: topic, query: TopicQuery(since: .id(byRevision[9])), limit: 1000)
            #expect(since.rows.map(\.id) == Array(byRevision.dropFirst(10)), "_since reads exactly the rows after it")
        }
    }

    /// A column's type may widen (its values kept, read as the new type); a change that could
    /// lose values is refused with the column named, and changes nothing.
    @Test func columnTypesWidenButNeverLoseValues() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let store = try await harness.makeStore()
            var topic = TopicStoreConformance.topic
            try await store.prepareTopics([topic])
            let row = TopicRow([
                "id": .text(TopicRow.makeID()), "user": .text("a"), "timestamp": .text("t"), "body": .text("b"), "count": .integer(3),
            ])
            _ = try await store.insert(row, into: topic)
            var narrowed = topic
            narrowed.columns = narrowed.columns.map { $0.name == "count" ? TopicColumn(name: "count", type: .boolean) : $0 }
            let error = await #expect(throws: ConfigurationError.self) { try await store.prepareTopics([narrowed]) }
            #expect(error?.problems.first?.path == "topics.chat.columns.count")
            topic.columns = topic.columns.map { $0.name == "count" ? TopicColumn(name: "count", type: .real) : $0 }
            try await store.prepareTopics([topic])
            let history = try await store.history(of: topic, query: TopicQuery(), limit: 10)
            #expect(history.rows.first?["count"] == .real(3), "an integer column widened to real keeps its value")
        }
    }
}
