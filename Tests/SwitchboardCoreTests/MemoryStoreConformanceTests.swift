import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

/// The in-memory store passes the same suites as the SQLite store, one test per check so a
/// failure names the behaviour that broke.
@Suite("MemoryStore conformance")
struct MemoryStoreConformanceTests {
    @Test(arguments: StoreConformance.Check.allCases) func check(_ check: StoreConformance.Check) async throws {
        try await StoreConformance { MemoryStore() }.run(check)
    }

    @Test func passesTheTopicConformanceSuite() async throws {
        try await TopicStoreConformance { MemoryStore() }.runAll()
    }

    @Test(arguments: SentReferenceStoreConformance.Check.allCases) func sentReferences(_ check: SentReferenceStoreConformance.Check) async throws {
        try await SentReferenceStoreConformance { MemoryStore() }.run(check)
    }

    @Test(arguments: IdempotencyKeyLookupConformance.Check.allCases)
    func idempotencyKeyLookup(_ check: IdempotencyKeyLookupConformance.Check) async throws {
        try await IdempotencyKeyLookupConformance { MemoryStore() }.run(check)
    }
}

/// What the suites leave to each store: all-or-none writes, and topic columns read back
/// through their declared type after a change.
@Suite("MemoryStore")
struct MemoryStoreTests {
    @Test func addingDeliveriesIsAllOrNone() async throws {
        let store = MemoryStore()
        let message = Message(text: "ping", sender: "alice")
        let first = Delivery(messageID: message.id, address: .sms("+4711111111"), channel: .sms)
        _ = try await store.accept(Submission(message: message, deliveries: [first]))
        let fresh = Delivery(messageID: message.id, address: .sms("+4722222222"), channel: .sms)
        let error = await #expect(throws: SwitchboardError.self) { try await store.addDeliveries([fresh, first]) }
        #expect(error?.code == "delivery_exists")
        #expect(try await store.delivery(id: fresh.id) == nil, "the delivery before the duplicate was taken back")
        #expect(try await store.message(id: message.id)?.deliveries.map(\.id) == [first.id])
    }

    @Test func aBatchRefusedPartWayCommitsNothing() async throws {
        let store = MemoryStore()
        let good = Message(text: "good", sender: "alice")
        let bad = Message(text: "bad", sender: "alice")
        let stray = Delivery(messageID: good.id, address: .sms("+4733333333"), channel: .sms)
        let error = await #expect(throws: SwitchboardError.self) {
            try await store.accept(batch: [Submission(message: good, deliveries: []), Submission(message: bad, deliveries: [stray])])
        }
        #expect(error?.code == "delivery_message_mismatch")
        #expect(try await store.message(id: good.id) == nil, "the batch's first message was taken back")
    }

    @Test func aLinkToAMissingUserIsRefused() async throws {
        let store = MemoryStore()
        let contact = Contact(name: "Kari", addresses: [.sms("+4712345678")], username: "nobody")
        let error = await #expect(throws: SwitchboardError.self) { try await store.createContact(contact) }
        #expect(error?.code == "unknown_user")
        #expect(try await store.contacts().isEmpty)
    }

    @Test func refusesALossyColumnTypeChangeButAllowsWidening() async throws {
        let store = MemoryStore()
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

    @Test func aDuplicateInATopicBatchIsRefusedAloneAndTheRestKept() async throws {
        let store = MemoryStore()
        let topic = TopicDefinition(name: "chat", columns: [TopicColumn(name: "body", type: .text)])
        try await store.prepareTopics([topic])
        func row(_ id: String) -> TopicRow {
            TopicRow(["id": .text(id), "user": .null, "timestamp": .text(TopicTime.format(Date())), "body": .text(id)])
        }
        let results = try await store.insert([row("a"), row("b"), row("a"), row("c")], into: topic)
        #expect(results.map { (try? $0.get())?.revision } == [1, 2, nil, 3])
        #expect(try await store.history(of: topic, query: TopicQuery(), limit: 10).rows.map(\.id) == ["a", "b", "c"])
    }
}

/// The in-memory store passes the conversation suite, one test per check.
@Suite("MemoryStore conversation conformance")
struct MemoryConversationConformanceTests {
    @Test(arguments: ConversationStoreConformance.Check.allCases) func check(_ check: ConversationStoreConformance.Check) async throws {
        try await ConversationStoreConformance { MemoryStore() }.run(check)
    }
}

/// The dispatcher's part of the suite runs on its own for partial stores; every one of its
/// checks is also a check of the whole suite, so a full store can never skip one.
@Suite("Store conformance parts")
struct StoreConformancePartsTests {
    @Test func everyDispatchCheckIsACheckOfTheWholeSuite() {
        let whole = Set(StoreConformance.Check.allCases.map(\.rawValue))
        let missing = DispatchStoreConformance.Check.allCases.map(\.rawValue).filter { !whole.contains($0) }
        #expect(missing.isEmpty, "not run for full stores: \(missing)")
    }
}
