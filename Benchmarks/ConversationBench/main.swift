import BenchmarkSupport
import Foundation
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardSQLite

// Conversation turns through the hub as a gateway callback drives them: `Hub.receive` commits
// the inbound message, the conversation engine runs the step and commits the turn (the
// conversation and its reply in the outbox) in one transaction, with `synchronous = FULL`.
// The dispatcher runs beside it and sends every reply to a bucket connector.
//
// usage: conversation-bench [--seconds S] [--users 1,16,256] [--conversations N] [--queued-replies]
//
// `--queued-replies` queues every reply for the dispatcher's claim, as before turns claimed
// their replies themselves (`ReplyClaim`), to compare the two in one build.

let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}
let seconds = Double(option("--seconds") ?? "10") ?? 10
let userCounts = (option("--users") ?? "1,16,256").split(separator: ",").compactMap { Int($0) }
let memoryConversations = Int(option("--conversations") ?? "100000") ?? 100_000
let queuedReplies = arguments.contains("--queued-replies")

/// Errors only: the benchmark prints its own figures.
enum BenchLog {
    static let logger: Logger = {
        var logger = Logger(label: "conversation-bench")
        logger.logLevel = .error
        return logger
    }()
}

/// One hub on a fresh data directory: SQLite with `synchronous = FULL`, a bucket connector
/// for SMS, the survey responder; its services (connector, dispatcher, sweeper) running.
func withHub<T: Sendable>(_ body: @Sendable @escaping (Hub) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conversation-bench-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var configuration = HubConfiguration()
    configuration.storage.dataDirectory = directory
    configuration.storage.synchronous = .full
    configuration.connectors = [ConnectorSettings(name: "bench", engine: "bucket", channels: [.sms], settings: .mapping([]))]
    configuration.channels = [.sms: .init(route: ["bench"])]
    var bucketConfiguration = BucketConnector.Configuration()
    bucketConfiguration.capacity = 1000
    let bucket = BucketConnector(name: "bench", channels: [.sms], configuration: bucketConfiguration)
    let store = try SQLiteStore(directory: directory, synchronous: .full)
    let hub = Hub(configuration: configuration, store: store, connectors: [bucket], responders: [SurveyResponder()], logger: BenchLog.logger)
    if queuedReplies { hub.conversations?.replyDispatch = nil }
    // As `serve` does: the checkpointer first, so it stops last.
    let checkpointer: [any Service] = store.checkpointer.map { [$0] } ?? []
    let group = ServiceGroup(configuration: .init(services: checkpointer + hub.services, logger: BenchLog.logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            let result = try await body(hub)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
    }
}

func address(_ user: Int) -> Address { .sms("+479\(String(format: "%07d", user))") }

/// One message from `user`, through the whole inbound path; returns when its turn committed.
func say(_ hub: Hub, _ user: Int, _ text: String) async throws {
    let result = try await hub.receive(InboundMessage(connector: "bench", from: address(user), text: text, receivedAt: Date()))
    guard result.disposition == .handled, result.inboxItemID == nil else {
        throw BenchFailure("user \(user)'s '\(text)' was not taken by a conversation (\(result.disposition))")
    }
}

struct TurnRun {
    var users: Int
    var turns: Int
    var elapsed: Double
    var cpu: Double
    var latencies: [Double]

    func percentile(_ p: Double) -> Double {
        let sorted = latencies.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000
    }
}

/// `users` parties at once, each answering as soon as its previous turn committed.
func turns(users: Int, seconds: Double) async throws -> TurnRun {
    try await withHub { hub in
        try await withThrowingTaskGroup(of: Void.self) { group in
            for u in 0..<users { group.addTask { try await say(hub, u, "survey") } }
            try await group.waitForAll()
        }
        let end = ContinuousClock.now + .seconds(seconds)
        let cpuBefore = ProcessFacts.cpuSeconds()
        let started = ContinuousClock.now
        let perUser = try await withThrowingTaskGroup(of: [Double].self) { group in
            for u in 0..<users {
                group.addTask {
                    var latencies: [Double] = []
                    // The first "survey" was sent before the clock started; then four answers,
                    // the last completing the conversation, and "survey" again: every message a turn.
                    var n = 1
                    while ContinuousClock.now < end {
                        let t0 = ContinuousClock.now
                        try await say(hub, u, n % 5 == 0 ? "survey" : "answer \(n) from \(u)")
                        let d = ContinuousClock.now - t0
                        latencies.append(Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
                        n += 1
                    }
                    return latencies
                }
            }
            var all: [Double] = []
            for try await l in group { all += l }
            return all
        }
        let d = ContinuousClock.now - started
        let elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        // Every turn committed: the conversations' transcripts hold each message and its reply.
        let store = hub.store
        var recorded = 0
        var cursor: String?
        repeat {
            let page = try await store.conversations(ConversationQuery(responder: "survey", cursor: cursor, limit: 500))
            for conversation in page.conversations {
                recorded += try await store.wholeTranscript(conversationID: conversation.id).count / 2
            }
            cursor = page.nextCursor
        } while cursor != nil
        guard recorded == perUser.count + users else {
            throw BenchFailure("\(recorded) turns in transcripts, expected \(perUser.count + users)")
        }
        return TurnRun(users: users, turns: perUser.count, elapsed: elapsed, cpu: ProcessFacts.cpuSeconds() - cpuBefore, latencies: perUser)
    }
}

/// Resident memory before and after starting `count` conversations that stay ongoing.
func memory(count: Int) async throws -> (before: Int, after: Int, seconds: Double) {
    try await withHub { hub in
        try await say(hub, 0, "survey")
        ProcessFacts.trim()
        let before = ProcessFacts.resident()
        let started = ContinuousClock.now
        let next = ManagedAtomicCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    while true {
                        let u = next.increment()
                        if u > count { return }
                        try await say(hub, u, "survey")
                    }
                }
            }
            try await group.waitForAll()
        }
        let d = ContinuousClock.now - started
        let ongoing = try await hub.store.ongoingConversationCounts()["survey"] ?? -1
        guard ongoing == count + 1 else { throw BenchFailure("\(ongoing) conversations ongoing, expected \(count + 1)") }
        // Let the dispatcher send the queued replies, so what is measured is what stays.
        try await Task.sleep(for: .seconds(2))
        ProcessFacts.trim()
        return (before, ProcessFacts.resident(), Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }
}

/// A counter shared by the memory run's tasks.
final class ManagedAtomicCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int {
        lock.withLock {
            value += 1
            return value
        }
    }
}

print(
    "Conversation turns (message in → step → reply queued, committed; synchronous = FULL; a 4-question report, then again), \(Int(seconds)) s per row"
)
print("users | turns/s | p50 ms | p99 ms | CPU ms/turn")
for users in userCounts {
    let run = try await turns(users: users, seconds: seconds)
    let rate = Double(run.turns) / run.elapsed
    print(
        String(
            format: "%5d | %7.0f | %6.2f | %6.2f | %11.3f",
            users,
            rate,
            run.percentile(0.5),
            run.percentile(0.99),
            run.cpu * 1000 / Double(max(run.turns, 1))
        )
    )
}
if memoryConversations > 0 {
    let m = try await memory(count: memoryConversations)
    print(
        String(
            format: "memory: %d ongoing conversations started in %.1f s; resident %.1f MB → %.1f MB (+%.1f MB)",
            memoryConversations,
            m.seconds,
            Double(m.before) / 1e6,
            Double(m.after) / 1e6,
            Double(m.after - m.before) / 1e6
        )
    )
}
