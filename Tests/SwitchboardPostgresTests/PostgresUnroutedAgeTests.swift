import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardPostgres

/// Re-routing on a shared database (`UnroutedInboundAge`): a node starting while another is
/// routing a message it just committed leaves that message to it; a mark a dead node left
/// (older than the age asked for, by the database's clock) is routed once.
@Suite("PostgreSQL: re-routing leaves a live node's messages to it", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresUnroutedAgeTests {
    /// The starting node's router: no handlers, so a routed message lands in the common inbox.
    static func router(_ store: PostgresStore) -> MessageRouter {
        MessageRouter(handlers: [], store: store, logger: PostgresTestDatabase.logger) { _, _, _ in
            throw SwitchboardError(.unavailable, code: "no_outbox", "these tests send nothing")
        }
    }

    static func inbound(_ text: String) -> Message {
        Message(
            direction: .inbound,
            text: text,
            sender: "sms:+4712345678",
            origin: Origin(connector: "tester", from: .sms("+4712345678"))
        )
    }

    @Test func startUpReroutingLeavesAMessageALiveNodeIsRoutingAndTakesOneADeadNodeLeft() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let schema = try await harness.makeSchema()
            let live = try harness.makeUnmigratedStore(schema: schema)
            let starting = try harness.makeUnmigratedStore(schema: schema)
            try await live.migrate()
            // The live node has committed an inbound message and is running its pipeline now.
            let routing = Self.inbound("on my way")
            try await live.recordInbound(routing)

            let routed = try await Self.router(starting).routeUnrouted(settledFor: 15)
            #expect(routed == 0, "a mark younger than the age is the live node's to route")
            #expect(try await starting.unroutedInbound(limit: 10).map(\.id) == [routing.id])
            let inbox = try await starting.inbox(InboxQuery(viewer: "admin", scope: .all, limit: 10))
            #expect(inbox.items.isEmpty, "nothing of it was routed by the starting node")

            // Had the live node died, its mark would be 20 s old by the database's clock now.
            try await live.changes("UPDATE inbound_unrouted SET marked_at = now() - interval '20 seconds' WHERE message_id = \(routing.id)")
            #expect(try await Self.router(starting).routeUnrouted(settledFor: 15) == 1, "a dead node's mark is routed")
            #expect(try await starting.unroutedInbound(limit: 10).isEmpty)
            let routedInbox = try await starting.inbox(InboxQuery(viewer: "admin", scope: .all, limit: 10))
            #expect(routedInbox.items.map(\.message.id) == [routing.id])
        }
    }

    @Test func theAgeIsTheDatabasesNotTheCallersClock() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let store = try await harness.makeStore()
            let message = Self.inbound("marked now")
            try await store.recordInbound(message)
            #expect(try await store.unroutedInbound(limit: 10, markedFor: 60).isEmpty, "a fresh mark is not a minute old")
            #expect(try await store.unroutedInbound(limit: 10, markedFor: 0).map(\.id) == [message.id])
            try await store.changes("UPDATE inbound_unrouted SET marked_at = marked_at - interval '61 seconds'")
            #expect(try await store.unroutedInbound(limit: 10, markedFor: 60).map(\.id) == [message.id])
        }
    }
}
