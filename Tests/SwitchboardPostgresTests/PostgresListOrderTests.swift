import Foundation
import PostgresNIO
import SwitchboardCore
import Synchronization
import Testing

@testable import SwitchboardPostgres

/// Lists paged by insert-time ids show rows as they commit: two writers interleaved on two
/// connections, the first holding its transaction open after taking its id, the second
/// committing meanwhile, and a page read then. Without the list lock the page shows the second
/// row and not the first, which appears later *below* it: "mark all read up to the newest
/// shown" marks an item nobody was shown, and a reader taking "above the newest I saw" for new
/// misses it. With it, the read waits for the first writer's commit, while the writers never
/// wait for each other (inserts stay concurrent).
@Suite("PostgreSQL: lists paged by id show rows as they commit", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresListOrderTests {
    /// What a reader saw with the first writer open, and what it sees after both committed.
    struct Interleaving {
        var heldID: String
        var laterID: String
        /// The page read while the first writer was open (it may have waited for the commit).
        var shownByReadDuringHold: [String]
        var shownAfter: [String]
        /// The second writer waited for the first (rather than committing beside it).
        var laterWaited: Bool
        /// The page read waited for the first writer's commit.
        var readWaited: Bool
    }

    /// Runs `held` in a transaction left open, then `later` alone (its own transaction), then
    /// `list`, each until it finished or is seen waiting for the held one; then commits the held
    /// one and lists again.
    static func interleave(
        _ store: PostgresStore,
        admin: PostgresStore,
        held: @escaping @Sendable (PostgresConnection) async throws -> String,
        later: @escaping @Sendable () async throws -> String,
        list: @escaping @Sendable () async throws -> [String]
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
        do {
            let second = Tracked(later)
            let laterWaited = try await second.finishesOrWaits(for: heldPID, admin: admin)
            let read = Tracked(list)
            let readWaited = try await read.finishesOrWaits(for: heldPID, admin: admin)
            gateQueue.yield()
            gateQueue.finish()
            return Interleaving(
                heldID: try await first.value,
                laterID: try await second.task.value,
                shownByReadDuringHold: try await read.task.value,
                shownAfter: try await list(),
                laterWaited: laterWaited,
                readWaited: readWaited
            )
        } catch {
            gateQueue.finish()
            throw error
        }
    }

    /// A task that says when it is done.
    struct Tracked<Value: Sendable>: Sendable {
        final class Flag: Sendable {
            let finished = Mutex(false)
        }
        let task: Task<Value, any Error>
        private let flag = Flag()

        init(_ body: @escaping @Sendable () async throws -> Value) {
            let flag = flag
            task = Task {
                defer { flag.finished.withLock { $0 = true } }
                return try await body()
            }
        }

        /// Whether the task waits for the backend `pid` (true) or finishes (false), whichever
        /// is seen first: either outcome is observed, never assumed.
        func finishesOrWaits(for pid: Int32, admin: PostgresStore) async throws -> Bool {
            let deadline = ContinuousClock.now + .seconds(20)
            while !flag.finished.withLock({ $0 }) {
                let blocked =
                    try await admin.rows(
                        "SELECT count(*) AS n FROM pg_stat_activity WHERE \(pid) = ANY(pg_blocking_pids(pid))"
                    ).first?["n"].decode(Int64.self) ?? 0
                if blocked > 0 { return true }
                guard ContinuousClock.now < deadline else { throw HarnessError(message: "neither finished nor waited within 20 s") }
                try await Task.sleep(for: .milliseconds(5))
            }
            return false
        }
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
                held: { connection in String(try await store.addToInbox(messageID: messages[1].id, owner: nil, on: connection).id) },
                later: { String(try await store.addToInbox(messageID: messages[2].id, owner: nil).id) },
                list: { try await store.inbox(common).items.map { String($0.id) } }
            )
            #expect(!seen.laterWaited, "inserts do not wait for each other")
            #expect(seen.readWaited, "the page read waits for the insert in flight")

            // The page's newest item is what "mark all read" goes up to (the web's `up_to`).
            let upTo = try #require(seen.shownByReadDuringHold.compactMap { Int64($0) }.max())
            _ = try await store.markAllRead(username: "alice", scope: .common, upTo: upTo)
            let unread = try await store.inbox(InboxQuery(viewer: "alice", scope: .common, unreadOnly: true)).items.map { String($0.id) }
            let all: Set = [String(earlier.id), seen.heldID, seen.laterID]
            #expect(Set(unread) == all.subtracting(seen.shownByReadDuringHold), "only what the page showed is marked read")
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
            #expect(!seen.laterWaited, "inserts do not wait for each other")
            #expect(seen.readWaited, "the page read waits for the insert in flight")
            // A reader that takes "newer than the newest I saw" for new finds every new one there.
            let new = seen.shownAfter.filter { !seen.shownByReadDuringHold.contains($0) }
            #expect(seen.shownAfter.prefix(new.count).elementsEqual(new), "what is new is listed above what was seen")
            #expect(seen.shownAfter == [later.id, held.id, earlier.id])
        }
    }
}
