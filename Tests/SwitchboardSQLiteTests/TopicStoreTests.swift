import Foundation
import SwitchboardCore
import SwitchboardSQLite
import SwitchboardTesting
import Testing

@Suite("SQLite topic store")
struct TopicStoreTests {
    @Test func passesTheTopicConformanceSuite() async throws {
        try await TopicStoreConformance { try SQLiteStore.inMemory() }.runAll()
    }

    @Test func refusesALossyColumnTypeChangeButAllowsWidening() async throws {
        let store = try SQLiteStore.inMemory()
        var topic = TopicDefinition(name: "chat", columns: [TopicColumn(name: "count", type: .integer), TopicColumn(name: "flag", type: .boolean)])
        try await store.prepareTopics([topic])
        var row = TopicRow(["id": .text("a"), "user": .null, "timestamp": .text(TopicTime.format(Date())), "count": .integer(3), "flag": .bool(true)])
        _ = try await store.insert(row, into: topic)
        topic.columns = [TopicColumn(name: "count", type: .boolean), TopicColumn(name: "flag", type: .integer)]
        let error = await #expect(throws: ConfigurationError.self) { try await store.prepareTopics([topic]) }
        #expect(error?.description.contains("topics.chat.columns.count") == true)
        #expect(error?.description.contains("from INTEGER to BOOLEAN") == true)
        topic.columns = [TopicColumn(name: "count", type: .real), TopicColumn(name: "flag", type: .integer)]
        try await store.prepareTopics([topic])
        row["count"] = .real(3)
        row["flag"] = .integer(1)
        #expect(try await store.history(of: topic, query: TopicQuery(), limit: 5).rows == [row])
    }

    @Test func refusesToAdoptATableThatIsNotATopic() async throws {
        let store = try SQLiteStore.inMemory()
        let error = await #expect(throws: ConfigurationError.self) {
            try await store.prepareTopics([TopicDefinition(name: "x", table: "messages")])
        }
        #expect(error?.description.contains("not a topic table") == true)
    }

    /// A topic that declares no columns records none: its table is still its own at the next
    /// start (it was refused as "not a topic table", so the hub would not start again).
    @Test func aTopicWithoutColumnsIsItsOwnTableAtTheNextStart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("topic-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let topic = TopicDefinition(name: "pings")
        do {
            let store = try SQLiteStore(directory: dir)
            try await store.prepareTopics([topic])
            _ = try await store.insert(TopicRow(["id": .text("a"), "timestamp": .text(TopicTime.format(Date()))]), into: topic)
        }
        let reopened = try SQLiteStore(directory: dir)
        try await reopened.prepareTopics([topic])
        #expect(try await reopened.history(of: topic, query: TopicQuery(), limit: 5).rows.map { $0["id"] } == [.text("a")])
    }

    @Test func keepsRowsAcrossReopening() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("topic-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let topic = TopicDefinition(name: "chat", columns: [TopicColumn(name: "body", type: .text)])
        do {
            let store = try SQLiteStore(directory: dir)
            try await store.prepareTopics([topic])
            _ = try await store.insert(
                TopicRow(["id": .text("a"), "timestamp": .text(TopicTime.format(Date())), "body": .text("kept")]),
                into: topic
            )
        }
        let reopened = try SQLiteStore(directory: dir)
        try await reopened.prepareTopics([topic])
        let h = try await reopened.history(of: topic, query: TopicQuery(), limit: 5)
        #expect(h.rows.map { $0["body"] } == [.text("kept")])
        #expect(h.revision == 1)
    }
}

@Suite("SQLite topic batches")
struct TopicBatchTests {
    @Test func aDuplicateInABatchIsRefusedAloneAndTheRestKept() async throws {
        let store = try SQLiteStore.inMemory()
        let topic = TopicDefinition(name: "chat", columns: [TopicColumn(name: "body", type: .text)])
        try await store.prepareTopics([topic])
        func row(_ id: String) -> TopicRow {
            TopicRow(["id": .text(id), "user": .null, "timestamp": .text(TopicTime.format(Date())), "body": .text(id)])
        }
        let results = try await store.insert([row("a"), row("b"), row("a"), row("c")], into: topic)
        #expect(results.map { (try? $0.get())?.revision } == [1, 2, nil, 3])
        #expect(try await store.history(of: topic, query: TopicQuery(), limit: 10).rows.map(\.id) == ["a", "b", "c"])
        let batch = try await store.insert([row("d"), row("e")], into: topic)
        #expect(batch.map { (try? $0.get())?.revision } == [4, 5], "a clean batch takes consecutive revisions")
    }
}
