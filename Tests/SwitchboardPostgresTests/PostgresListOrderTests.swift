import Foundation
import PostgresNIO
import SwitchboardCore
import Synchronization
import Testing

@testable import SwitchboardPostgres

/// Lists paged by insert-time ids see rows in the order they commit: two writers interleaved
/// on two connections, the first holding its transaction open after taking its id, the second
/// committing meanwhile. Without the list lock the second row is seen first with the higher
/// id, and the first one appears later *below* it: "mark all read up to the newest shown"
/// marks an item nobody was shown, and a reader taking "above the newest I saw" for new
/// misses it.
@Suite("PostgreSQL: lists paged by id show rows in commit order", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresListOrderTests {
    /// What a reader saw while the first writer was open, and what it sees after both committed.
    struct Interleaving {
        var heldID: String
        var laterID: String
        var shownWhileHeld: [String]
        var shownAfter: [String]
        /// The second writer waited for the first (rather than committing past it).
        var laterWaited: Bool
        /// The id sequence while the second writer waited: its id not yet taken.
        var lastValueWhileWaiting: Int64?
    }

    /// Runs `held` in a transaction left open, then `later` alone (its own transaction), lists
    /// with `list` once the later writer has committed or is seen waiting for the held one,
    /// commits the held one and lists again. `sequence` names the table's id sequence.
    static func interleave(
        _ store: PostgresStore,
        admin: PostgresStore,
        sequence: String,
        held: @escaping @Sendable (PostgresConnection) async throws -> String,
        later: @escaping @Sendable () async throws -> String,
        list: () async throws -> [String]
    ) async throws -> Interleaving {
        let (opened, openedQueue) = AsyncStream.makeStream(of: Int32.self)
        let (gate, gateQueue) = AsyncStream.makeStream(of: Void.self)
        let first = Task {
            do {
                return try await store.transaction { connection in
                    let id = try await held(connection)
                    let pid = try await connection.rows("SELECT pg_backend_pid() AS pid", logger: store.logger)
                    openedQueue.yield(try pid.first?["pid"].decode(Int32.self) ?? 0)
                    for await _ in gate { break }
                    return id
                }
            } catch {
                openedQueue.finish()
                throw error
            }
        }
        var opening = opened.makeAsyncIterator()
        guard let heldPID = await opening.next() else {
            _ = try await first.value
            throw HarnessError(message: "the held writer never opened")
        }
        let laterDone = Atomic<Bool>(false)
        let second = Task {
            defer { laterDone.store(true, ordering: .sequentiallyConsistent) }
            return try await later()
        }
        // Either outcome is seen, never assumed: the later writer finished, or the server
        // shows it waiting for the held one.
        var waited = false
        let deadline = ContinuousClock.now + .seconds(20)
        while !laterDone.load(ordering: .sequentiallyConsistent) {
            let blocked =
                try await admin.rows(
                    "SELECT count(*) AS n FROM pg_stat_activity WHERE \(heldPID) = ANY(pg_blocking_pids(pid))"
                ).first?["n"].decode(Int64.self) ?? 0
            if blocked > 0 {
                waited = true
                break
            }
            guard ContinuousClock.now < deadline else {
                gateQueue.finish()
                throw HarnessError(message: "the later writer neither finished nor waited within 20 s")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let lastValue: Int64? =
            waited
            ? try await store.rows(PostgresQuery(unsafeSQL: "SELECT last_value FROM \(sequence)")).first?["last_value"].decode(Int64.self)
            : nil
        let shownWhileHeld = try await list()
        gateQueue.yield()
        gateQueue.finish()
        let heldID = try await first.value
        let laterID = try await second.value
        return Interleaving(
            heldID: heldID,
            laterID: laterID,
            shownWhileHeld: shownWhileHeld,
            shownAfter: try await list(),
            laterWaited: waited,
            lastValueWhileWaiting: lastValue
        )
    }

    static func inbound(_ text: String, on store: PostgresStore) async throws -> Message {
        let message = Message(direction: .inbound, text: text, severity: .info, sender: "+4712345678", createdAt: Date())
        try await store.recordInbound(message)
        return message
    }

    @Test func markAllReadUpToTheNewestItemShownLeavesAnItemThatCommittedLaterUnread() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let store = try await harness.makeStore()
            let messages = [
                try await Self.inbound("earlier", on: store), try await Self.inbound("held", on: store),
                try await Self.inbound("later", on: store),
            ]
            let earlier = try await store.addToInbox(messageID: messages[0].id, owner: nil)
            let common = InboxQuery(viewer: "alice", scope: .common)
            let seen = try await Self.interleave(
                store,
                admin: harness.admin,
                sequence: "inbox_items_id_seq",
                held: { connection in String(try await store.addToInbox(messageID: messages[1].id, owner: nil, on: connection).id) },
                later: { String(try await store.addToInbox(messageID: messages[2].id, owner: nil).id) },
                list: { try await store.inbox(common).items.map { String($0.id) } }
            )
            #expect(seen.laterWaited, "the later writer waits for the held one to commit")
            #expect(seen.lastValueWhileWaiting == Int64(seen.heldID), "and takes its id only then")
            #expect(Int64(seen.laterID) ?? 0 > Int64(seen.heldID) ?? 0, "ids in commit order")

            // The page's newest item is what "mark all read" goes up to (the web's `up_to`).
            let upTo = try #require(seen.shownWhileHeld.compactMap { Int64($0) }.max())
            _ = try await store.markAllRead(username: "alice", scope: .common, upTo: upTo)
            let unread = try await store.inbox(InboxQuery(viewer: "alice", scope: .common, unreadOnly: true)).items.map { String($0.id) }
            let all: Set = [String(earlier.id), seen.heldID, seen.laterID]
            #expect(Set(unread) == all.subtracting(seen.shownWhileHeld), "only what the page showed is marked read")
            #expect(seen.shownAfter == [seen.laterID, seen.heldID, String(earlier.id)])
        }
    }

    @Test func aFormSubmissionCommittedLateIsListedAboveEverySubmissionSeenBefore() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let store = try await harness.makeStore()
            var messages: [Message] = []
            for text in ["earlier", "held", "later"] { messages.append(try await Self.inbound(text, on: store)) }
            func submission(_ message: Message) -> FormSubmission {
                FormSubmission(messageID: message.id, formID: "survey", fields: [FormField(path: "q", value: message.text)], receivedAt: Date())
            }
            let earlier = submission(messages[0])
            try await store.recordSubmission(earlier)
            let held = submission(messages[1])
            let later = submission(messages[2])
            let logger = store.logger
            let seen = try await Self.interleave(
                store,
                admin: harness.admin,
                sequence: "form_submissions_seq_seq",
                held: { connection in
                    try await PostgresStore.insertSubmission(held, on: connection, logger: logger)
                    return held.id
                },
                later: {
                    try await store.recordSubmission(later)
                    return later.id
                },
                list: { try await store.formSubmissions(FormQuery(viewer: .unrestricted)).items.map(\.id) }
            )
            #expect(seen.laterWaited, "the later writer waits for the held one to commit")
            // A reader that takes "newer than the newest I saw" for new finds every new one there.
            let newest = try #require(seen.shownWhileHeld.first)
            let new = seen.shownAfter.filter { !seen.shownWhileHeld.contains($0) }
            #expect(new.count == 2)
            #expect(seen.shownAfter.prefix(new.count).elementsEqual(new), "new submissions are listed above \(newest)")
            #expect(seen.shownAfter == [later.id, held.id, earlier.id])
        }
    }
}
