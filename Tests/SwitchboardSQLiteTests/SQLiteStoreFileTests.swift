import Foundation
import GRDB
import SwitchboardCore
import Synchronization
import Testing

@testable import SwitchboardSQLite

/// What only a file-backed store can show: durability across reopening, the pragmas that make
/// a commit survive power loss, and migrations that run once.
@Suite("SQLiteStore on a file")
struct SQLiteStoreFileTests {
    @Test func committedDataIsSeenAfterReopening() async throws {
        let scratch = try ScratchDirectory()
        let directory = scratch.newStorePath()
        let message = Message(
            text: "kept",
            attachments: [Attachment(filename: "a.txt", contentType: "text/plain", data: Data("x".utf8))],
            createdAt: Date(timeIntervalSince1970: 1_767_225_600.5)
        )
        let delivery = Delivery(messageID: message.id, address: .sms("+4712345678"), channel: .sms, createdAt: message.createdAt)
        let accepted: Acceptance
        let itemID: Int64
        do {
            let store = try SQLiteStore(directory: directory)
            accepted = try await store.accept(Submission(message: message, deliveries: [delivery], warnings: ["w"]))
            try await store.createUser(UserAccount(username: "alice", role: .admin, passwordHash: "h", createdAt: message.createdAt))
            try await store.recordInbound(Message(direction: .inbound, text: "in", createdAt: message.createdAt))
            let inbound = try await store.inbox(InboxQuery(viewer: "alice")).items
            #expect(inbound.isEmpty)
            let record = try #require(try await store.message(id: message.id))
            itemID = try await store.addToInbox(messageID: record.message.id, owner: "alice").id
            _ = try await store.markRead(itemID: itemID, username: "alice")
        }

        let reopened = try SQLiteStore(directory: directory)
        #expect(try await reopened.message(id: message.id) == accepted.record)
        #expect(try await reopened.user(named: "alice")?.role == .admin)
        let item = try #require(try await reopened.inboxItem(id: itemID, viewer: "alice"))
        #expect(item.read)
        #expect(item.message.attachments.map(\.data) == [Data("x".utf8)])
        let due = try await reopened.claimDue(limit: 10, now: message.createdAt, leaseUntil: message.createdAt + 30)
        #expect(due.map(\.delivery.id) == [delivery.id])
        _ = consume scratch
    }

    @Test func fileStoreIsWALWithFullSynchronousByDefault() async throws {
        let scratch = try ScratchDirectory()
        let store = try SQLiteStore(directory: scratch.newStorePath())
        #expect(try await store.writerPragma(.journalMode) == "wal")
        #expect(try await store.writerPragma(.synchronous) == "2")
        #expect(try await store.readerPragma(.synchronous) == "2")
        #expect(try await store.writerPragma(.foreignKeys) == "1")
        #expect(try await store.writerPragma(.busyTimeout) == "5000")
        _ = consume scratch
    }

    @Test func synchronousNormalCanBeChosen() async throws {
        let scratch = try ScratchDirectory()
        let store = try SQLiteStore(directory: scratch.newStorePath(), synchronous: .normal)
        #expect(try await store.writerPragma(.synchronous) == "1")
        #expect(try await store.writerPragma(.journalMode) == "wal")
        _ = consume scratch
    }

    /// A `durability: commit` topic's batch commits with `synchronous = NORMAL`, and the writer
    /// goes back to FULL at once; a batch with any flushing write commits FULL.
    @Test func aCommitDurabilityTopicRelaxesOnlyItsOwnCommits() async throws {
        let scratch = try ScratchDirectory()
        let store = try SQLiteStore(directory: scratch.newStorePath())
        var fast = TopicDefinition(name: "fast", columns: [TopicColumn(name: "body", type: .text)])
        fast.durability = .commit
        let safe = TopicDefinition(name: "safe", columns: [TopicColumn(name: "body", type: .text)])
        try await store.prepareTopics([fast, safe])
        let statements = Mutex<[String]>([])
        try await store.writer.writeWithoutTransaction { db in
            db.trace { event in
                let sql = "\(event)"
                if sql.hasPrefix("PRAGMA synchronous") || sql == "COMMIT TRANSACTION" { statements.withLock { $0.append(sql) } }
            }
        }
        func row(_ id: String) -> TopicRow { TopicRow(["id": .text(id), "timestamp": .text(TopicTime.format(Date())), "body": .text(id)]) }
        _ = try await store.insert(row("a"), into: fast)
        #expect(statements.withLock { $0 } == ["PRAGMA synchronous = NORMAL", "COMMIT TRANSACTION", "PRAGMA synchronous = FULL"])
        #expect(try await store.writerPragma(.synchronous) == "2")
        statements.withLock { $0 = [] }
        _ = try await store.insert(row("b"), into: safe)
        #expect(statements.withLock { $0 } == ["COMMIT TRANSACTION"])
        let reopened = try await store.history(of: fast, query: TopicQuery(), limit: 5)
        #expect(reopened.rows.map { $0["body"] } == [.text("a")], "committed: visible to readers")
        _ = consume scratch
    }

    @Test func databaseFileIsNamedInsideTheDirectory() async throws {
        let scratch = try ScratchDirectory()
        let directory = scratch.newStorePath() + "/nested/data"
        _ = try SQLiteStore(directory: directory)
        #expect(FileManager.default.fileExists(atPath: directory + "/" + SQLiteStore.fileName))
        _ = consume scratch
    }

    /// Every table has one versioned history: the topic store's bookkeeping is there before
    /// any topic is prepared, and a database whose tables `prepareTopics` made before the
    /// migration existed keeps them and their rows when the migration runs on it.
    @Test func topicBookkeepingTablesComeFromTheMigratorAndOlderDatabasesKeepTheirRows() async throws {
        let scratch = try ScratchDirectory()
        let directory = scratch.newStorePath()
        let bookkeeping = ["switchboard_topic_alerts", "switchboard_topic_columns", "switchboard_topic_state"]
        let topic = TopicDefinition(name: "chat", columns: [TopicColumn(name: "body", type: .text)])
        let row = TopicRow([
            "id": .text(TopicRow.makeID()), "user": .text("alice"), "timestamp": .text(TopicTime.format(Date())), "body": .text("kept"),
        ])
        do {
            let store = try SQLiteStore(directory: directory)
            let tables = try await store.writer.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            }
            #expect(bookkeeping.allSatisfy(tables.contains), "\(tables)")
            try await store.prepareTopics([topic])
            _ = try await store.insert(row, into: topic)
            // As a database from before the migration: its tables there, the migration not run.
            try await store.writer.write { db in try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v12-topic-tables'") }
        }
        let store = try SQLiteStore(directory: directory)
        #expect(try await store.appliedMigrations().contains("v12-topic-tables"), "run again")
        try await store.prepareTopics([topic])
        let history = try await store.history(of: topic, query: TopicQuery(), limit: 10)
        #expect(history.rows == [row])
        var second = row
        second["id"] = .text(TopicRow.makeID())
        #expect(try await store.insert(second, into: topic).revision == 2)
        _ = consume scratch
    }

    @Test func migrationsRunOnceAcrossReopens() async throws {
        let scratch = try ScratchDirectory()
        let directory = scratch.newStorePath()
        do {
            let store = try SQLiteStore(directory: directory)
            #expect(
                try await store.appliedMigrations() == [
                    "v1-directory", "v1-outbox", "v1-inbox", "v2-queue", "v3-forms", "v4-inbound-replay", "v5-partial-dispatch-indexes",
                    "v6-unrouted-inbound", "v7-conversations", "v8-sent-parts", "v9-conversation-messages",
                    "v10-token-scopes", "v11-inbox-reads-by-user", "v12-topic-tables", "v13-token-pages",
                ]
            )
            try await store.createUser(UserAccount(username: "alice", role: .user, passwordHash: "h"))
        }
        for _ in 0..<2 {
            let store = try SQLiteStore(directory: directory)
            #expect(
                try await store.appliedMigrations() == [
                    "v1-directory", "v1-outbox", "v1-inbox", "v2-queue", "v3-forms", "v4-inbound-replay", "v5-partial-dispatch-indexes",
                    "v6-unrouted-inbound", "v7-conversations", "v8-sent-parts", "v9-conversation-messages",
                    "v10-token-scopes", "v11-inbox-reads-by-user", "v12-topic-tables", "v13-token-pages",
                ]
            )
            #expect(try await store.users().map(\.username) == ["alice"])
        }
        _ = consume scratch
    }

    @Test func inMemoryStoresAreIndependent() async throws {
        let one = try SQLiteStore.inMemory()
        let two = try SQLiteStore.inMemory()
        try await one.createUser(UserAccount(username: "alice", role: .user, passwordHash: "h"))
        #expect(try await two.user(named: "alice") == nil)
        #expect(try await one.writerPragma(.foreignKeys) == "1")
    }

    @Test func claimQueriesUseTheirIndexes() async throws {
        let store = try SQLiteStore.inMemory()
        let queued = try await store.queryPlan(SQLiteStore.dueQueuedSQL, arguments: [0, 10])
        #expect(queued.contains { $0.contains("USING INDEX deliveries_due") }, "\(queued)")
        #expect(!queued.contains { $0.contains("TEMP B-TREE") }, "no sort of all due rows: \(queued)")
        let leases = try await store.queryPlan(SQLiteStore.expiredLeasesSQL, arguments: [0, 10])
        #expect(leases.contains { $0.contains("USING INDEX deliveries_lease") }, "\(leases)")
        #expect(!leases.contains { $0.contains("TEMP B-TREE") }, "\(leases)")
    }

    /// Two stores on one file stand in for the server and a CLI process: the busy timeout and
    /// `BEGIN IMMEDIATE` make their accepts with one idempotency key commit once.
    @Test func twoConnectionsAcceptingOneKeyCommitOnce() async throws {
        let scratch = try ScratchDirectory()
        let directory = scratch.newStorePath()
        let stores = [try SQLiteStore(directory: directory), try SQLiteStore(directory: directory)]
        let key = IdempotencyKey(scope: "cli", key: "k", fingerprint: "f")
        let acceptances = try await withThrowingTaskGroup(of: Acceptance.self) { group in
            for index in 0..<8 {
                let store = stores[index % 2]
                group.addTask {
                    let message = Message(text: "once")
                    let delivery = Delivery(messageID: message.id, address: .sms("+4712345678"), channel: .sms)
                    return try await store.accept(Submission(message: message, deliveries: [delivery], idempotency: key))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(acceptances.filter { !$0.replayed }.count == 1)
        #expect(Set(acceptances.map(\.record.message.id)).count == 1)
        _ = consume scratch
    }
}
