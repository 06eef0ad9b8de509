import Foundation
import GRDB
import SwitchboardCore
import Testing

@testable import SwitchboardSQLite

/// `v9-conversation-messages` moves each conversation's JSON transcript into rows of its own.
@Suite("SQLite migration: transcripts move to conversation_messages")
struct TranscriptMigrationTests {
    @Test func transcriptsStoredAsJSONMoveToRowsWithTheirSteps() async throws {
        let scratch = try ScratchDirectory()
        let directory = scratch.newStorePath()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent(SQLiteStore.fileName)
        let old = try DatabaseQueue(path: path)
        try SQLiteMigrations.migrator.migrate(old, upTo: "v7-conversations")
        // As v7 wrote them: the transcript and the steps as JSON; an /abort at the end ran no step.
        let transcript = """
            [{"direction":"inbound","text":"report","at":1767225600.5,"messageID":"in-1"},
             {"direction":"outbound","text":"What happened?","at":1767225601,"messageID":"out-1"},
             {"direction":"inbound","text":"fire","at":1767225602,"messageID":"in-2"},
             {"direction":"outbound","text":"Where?","at":1767225603},
             {"direction":"inbound","text":"/abort","at":1767225604,"messageID":"in-3"}]
            """
        try await old.write { db in
            try db.execute(
                sql: """
                    INSERT INTO conversations (id, connector, address, responder, status, started_at, updated_at,
                        transcript, steps, next_step, data, revision)
                    VALUES ('c-1', 'kannel', 'sms:+4712345678', 'report', 'aborted', 1767225600.5, 1767225604,
                        ?, '["start","what"]', NULL, '{"what":"fire"}', 4),
                        ('c-2', 'kannel', 'sms:+4799999999', 'report', 'ongoing', 1767225600, 1767225600,
                        '[]', '[]', 'start', '{}', 1)
                    """,
                arguments: [transcript]
            )
        }
        try old.close()

        let store = try SQLiteStore(directory: directory)
        let moved = try await store.wholeTranscript(conversationID: "c-1")
        #expect(moved.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(moved.map(\.text) == ["report", "What happened?", "fire", "Where?", "/abort"])
        #expect(moved.map(\.direction) == [.inbound, .outbound, .inbound, .outbound, .inbound])
        #expect(moved.map(\.step) == ["start", nil, "what", nil, nil], "the k-th message from the party took the k-th step")
        #expect(moved.map(\.messageID) == ["in-1", "out-1", "in-2", nil, "in-3"])
        #expect(moved.first?.at == Date(timeIntervalSince1970: 1_767_225_600.5))
        #expect(try await store.transcriptHolds(inboundMessageID: "in-2"))
        #expect(try await !store.transcriptHolds(inboundMessageID: "out-1"))
        let conversation = try #require(try await store.conversation(id: "c-1"))
        #expect(conversation.stepCount == 2 && conversation.revision == 4 && conversation.data == ["what": .string("fire")])
        #expect(try await store.wholeTranscript(conversationID: "c-2").isEmpty)
        #expect(try await store.conversation(id: "c-2")?.stepCount == 0)
        _ = consume scratch
    }
}
