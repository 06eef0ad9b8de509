import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

@testable import SwitchboardPostgres

/// The inbound part of the conformance suites (inbound messages, replay keys, inboxes and
/// read marks, form submissions) against a real PostgreSQL, one test per check; every store
/// is a fresh schema.
@Suite("PostgresStore conformance: inbound", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresInboundConformanceTests {
    @Test(arguments: InboundStoreConformance.Check.allCases)
    func check(_ check: InboundStoreConformance.Check) async throws {
        try await PostgresTestDatabase.withHarness { harness in
            try await InboundStoreConformance { try await harness.makeStore() }.run(check)
        }
    }
}

/// What only several nodes can get wrong on the inbound side.
@Suite("PostgresStore inbound across nodes", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresInboundNodesTests {
    /// After a crash two nodes may route one recorded message at once: it lands in one inbox
    /// item, which both are given, and it is no longer unrouted.
    @Test func routingOneMessageOnTwoNodesAtOnceMakesOneItem() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let schema = try await harness.makeSchema()
            let a = try harness.makeUnmigratedStore(schema: schema)
            let b = try harness.makeUnmigratedStore(schema: schema)
            try await a.migrate()
            let message = Message(direction: .inbound, text: "help", severity: .info, sender: "+4712345678", createdAt: Date())
            try await a.recordInbound(message)
            #expect(try await b.unroutedInbound(limit: 10).map(\.id) == [message.id], "recorded on A, unrouted on B")
            let items = try await withThrowingTaskGroup(of: Int64.self) { group in
                for node in [a, b, a, b] { group.addTask { try await node.addToInbox(messageID: message.id, owner: nil).id } }
                return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
            }
            #expect(items.count == 1, "one item, whichever node got there first")
            #expect(try await a.inbox(InboxQuery(viewer: "alice", scope: .common)).items.map(\.id) == Array(items))
            #expect(try await b.unroutedInbound(limit: 10).isEmpty)
        }
    }
}
