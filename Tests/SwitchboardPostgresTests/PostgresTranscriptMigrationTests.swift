import Foundation
import PostgresNIO
import SwitchboardCore
import Testing

@testable import SwitchboardPostgres

/// Migration 15 moves transcripts stored as JSON on the conversation row into
/// `conversation_messages`, as the SQLite store's v9 does: every entry in order, each message
/// from the party with the step that ran on it, and the step list's length as `stepCount`.
@Suite("PostgreSQL: the transcript moves to its own table", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresTranscriptMigrationTests {
    @Test func aStoredTranscriptMovesOverWithItsSteps() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let store = try harness.makeUnmigratedStore(schema: try await harness.makeSchema())
            _ = try await PostgresMigrator(migrations: PostgresMigrations.all.filter { $0.version < 15 }).migrate(store)
            let transcript = """
                [{"direction":"inbound","text":"hi","at":1000,"messageID":"m1"},\
                {"direction":"outbound","text":"What happened?","at":1001.5,"messageID":"r1"},\
                {"direction":"inbound","text":"fire","at":1002,"messageID":"m2"},\
                {"direction":"inbound","text":"/abort","at":1003,"messageID":"m3"}]
                """
            let address = Address.sms("+4712345678").description
            try await store.changes(
                """
                INSERT INTO conversations (id, connector, address, responder, status, started_at, updated_at, transcript, steps, data, revision)
                VALUES ('c1', 'kannel', \(address), 'report', 'aborted', now(), now(), \(transcript), '["start","what"]', '{}', 3)
                """
            )
            #expect(try await store.migrate() == PostgresMigrations.all.map(\.version).filter { $0 >= 15 })

            let moved = try await store.transcript(conversationID: "c1", after: 0, limit: 10)
            #expect(moved.map(\.seq) == [1, 2, 3, 4])
            #expect(moved.map(\.text) == ["hi", "What happened?", "fire", "/abort"])
            #expect(moved.map(\.direction) == [.inbound, .outbound, .inbound, .inbound])
            #expect(moved.map(\.step) == ["start", nil, "what", nil])
            #expect(moved.map(\.messageID) == ["m1", "r1", "m2", "m3"])
            #expect(moved[1].at == Date(timeIntervalSince1970: 1001.5))
            #expect(try await store.transcript(conversationID: "c1", after: 2, limit: 1).map(\.text) == ["fire"])
            let conversation = try #require(try await store.conversation(id: "c1"))
            #expect(conversation.stepCount == 2 && conversation.revision == 3)
            #expect(try await store.transcriptHolds(inboundMessageID: "m2"))
            #expect(try await !store.transcriptHolds(inboundMessageID: "r1"))
        }
    }
}
