import BenchmarkSupport
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Nanoseconds on a monotonic clock, comparable across the threads of this process.
func nowNanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// One subscriber: counts rows, checks they come each once and in order, and, when sampled,
/// keeps each row's arrival time by `seq`.
final class Subscriber: Sendable {
    /// The node (index into the run's ports) this subscriber is connected to.
    let node: Int
    let received = Atomic<Int>(0)
    /// The `seq` the next row must carry (rows are published as 0, 1, 2, …).
    let nextSeq = Atomic<Int>(0)
    /// Rows that came out of order, twice, or without a `seq`.
    let misordered = Atomic<Int>(0)
    let ready = Atomic<Bool>(false)
    let lastArrival = Atomic<UInt64>(0)
    let arrivals: Mutex<[UInt64]>?
    /// For many connections sharing one counter: how many got their `ready` frame.
    let readyCount = Atomic<Int>(0)

    func onTextCountingReady(_ view: ByteBuffer) {
        if FrameText.hasPrefix(view, FrameText.ready) { readyCount.add(1, ordering: .relaxed) }
    }

    let sampled: Bool

    init(sampled: Bool, messages: Int, node: Int = 0) {
        self.sampled = sampled
        self.node = node
        arrivals = sampled ? Mutex([UInt64](repeating: 0, count: messages)) : nil
    }

    func onText(_ view: ByteBuffer) {
        if FrameText.hasPrefix(view, FrameText.message) {
            let t = nowNanos()
            let seq = FrameText.seq(view)
            // One channel calls this in order: a plain load and store are enough.
            if let n = seq, n == nextSeq.load(ordering: .relaxed) {
                nextSeq.store(n + 1, ordering: .relaxed)
            } else {
                misordered.add(1, ordering: .relaxed)
                if let n = seq { nextSeq.store(n + 1, ordering: .relaxed) }
            }
            if sampled, let n = seq { arrivals?.withLock { if n < $0.count { $0[n] = t } } }
            lastArrival.store(t, ordering: .relaxed)
            received.add(1, ordering: .relaxed)
        } else if FrameText.hasPrefix(view, FrameText.ready) {
            ready.store(true, ordering: .releasing)
        } else if FrameText.hasPrefix(view, FrameText.error) {
            FileHandle.standardError.write(Data("subscriber got: \(String(buffer: view))\n".utf8))
        }
    }
}

/// The publisher's view of its acks.
final class Acks: Sendable {
    let count = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
    func onText(_ view: ByteBuffer) {
        if FrameText.hasPrefix(view, FrameText.ack) {
            count.add(1, ordering: .relaxed)
        } else if FrameText.hasPrefix(view, FrameText.error) {
            if errors.add(1, ordering: .relaxed).newValue < 5 {
                FileHandle.standardError.write(Data("publisher got: \(String(buffer: view))\n".utf8))
            }
        }
    }
}

struct FanOutResult {
    var topic: String
    var subscribers: Int, messages: Int, paced: Int?
    var seconds: Double
    var p50: Double, p99: Double
    /// Server CPU seconds (every thread but the benchmark's client threads) over the run.
    var serverCPU: Double
    /// The database's CPU seconds over the run, when it is a process apart (PostgreSQL).
    var databaseCPU: Double?
    /// Per node, when the subscribers were spread over several.
    var nodes: [NodeFigures] = []
    var messagesPerSecond: Double { Double(messages) / seconds }
    var deliveriesPerSecond: Double { Double(messages * subscribers) / seconds }
    var cpuMicrosPerMessage: Double { serverCPU / Double(messages) * 1e6 }
    var databaseMicrosPerMessage: Double? { databaseCPU.map { $0 / Double(messages) * 1e6 } }
}

enum Wait {
    static func until(_ what: String, timeout: Duration = .seconds(120), _ done: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !done() {
            if ContinuousClock.now > deadline { throw BenchFailure("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}

enum Connect {
    /// Opens `count` sockets, at most `parallel` handshakes at a time (the accept backlog is finite).
    static func many(_ count: Int, parallel: Int = 100, _ open: @escaping @Sendable (Int) async throws -> any Channel) async throws -> [any Channel] {
        var channels: [any Channel] = []
        channels.reserveCapacity(count)
        var next = 0
        while next < count {
            let upper = min(count, next + parallel)
            let batch = try await withThrowingTaskGroup(of: (any Channel).self) { group in
                for i in next..<upper { group.addTask { try await open(i) } }
                var out: [any Channel] = []
                for try await c in group { out.append(c) }
                return out
            }
            channels += batch
            next = upper
        }
        return channels
    }
}

enum FanOut {
    /// Connects the subscribers (history off; subscriber `i` to node `i % ports.count`), waits
    /// until all are live, then publishes `messages` rows through node 0 from one socket that
    /// hears only its acks (not waiting for them; paced if asked), waits until every subscriber
    /// has every row, and fails unless each got each row once and in order.
    static func run(
        clients: any EventLoopGroup,
        ports: [Int],
        topic: String = "bench",
        subscribers n: Int,
        messages: Int,
        pacedPerSecond: Int?,
        databaseCPU: @Sendable () -> Double? = { nil }
    ) async throws -> FanOutResult {
        let port = ports[0]
        // Ten sampled subscribers per node (the first ones, spread as all are).
        let subs = (0..<n).map { Subscriber(sampled: $0 < 10 * ports.count, messages: messages, node: $0 % ports.count) }
        let channels = try await Connect.many(n) { i in
            try await LeanWebSocketClient.connect(group: clients, port: ports[i % ports.count], path: "/topics/\(topic)?_limit=0") {
                subs[i].onText($0)
            }
        }
        try await Wait.until("\(n) subscribers to be live") { subs.allSatisfy { $0.ready.load(ordering: .acquiring) } }
        let acks = Acks()
        // A filter no row matches: the publisher hears only its acks.
        let publisher = try await LeanWebSocketClient.connect(group: clients, port: port, path: "/topics/\(topic)?_limit=0&seq=-1") {
            acks.onText($0)
        }
        try await Wait.until("the publisher") { true }
        var sent = [UInt64](repeating: 0, count: messages)
        let frames = (0..<messages).map { LeanWebSocketClient.textFrame(#"{"_method":"POST","body":"benchmark message","seq":"# + String($0) + "}") }
        let cpu0 = ProcessFacts.serverCPUSeconds()
        let database0 = databaseCPU()
        let start = ContinuousClock.now
        let first = nowNanos()
        for i in 0..<messages {
            if let rate = pacedPerSecond {
                try await Task.sleep(until: start + .nanoseconds(Int64(i) * 1_000_000_000 / Int64(rate)), tolerance: .zero, clock: .continuous)
                sent[i] = nowNanos()
                publisher.writeAndFlush(frames[i], promise: nil)
            } else {
                sent[i] = nowNanos()
                publisher.write(frames[i], promise: nil)
                if i % 32 == 31 || i == messages - 1 { publisher.flush() }
            }
        }
        try await Wait.until("every row at every subscriber") {
            acks.count.load(ordering: .relaxed) + acks.errors.load(ordering: .relaxed) >= messages
                && subs.allSatisfy { $0.received.load(ordering: .relaxed) >= messages }
        }
        let cpu = ProcessFacts.serverCPUSeconds() - cpu0
        let database = databaseCPU().flatMap { after in database0.map { after - $0 } }
        if acks.errors.load(ordering: .relaxed) > 0 { throw BenchFailure("\(acks.errors.load(ordering: .relaxed)) writes were refused") }
        for (i, s) in subs.enumerated() {
            let got = s.received.load(ordering: .relaxed)
            let bad = s.misordered.load(ordering: .relaxed)
            guard got == messages, bad == 0 else {
                throw BenchFailure("subscriber \(i) on node \(s.node) got \(got) rows of \(messages), \(bad) out of order or twice")
            }
        }
        let end = subs.map { $0.lastArrival.load(ordering: .relaxed) }.max()!
        let latencies = NodeFigures.latencies(of: subs, sent: sent)
        for c in channels + [publisher] { c.close(promise: nil) }
        let nodes =
            ports.count == 1
            ? [] : (0..<ports.count).map { node in NodeFigures(node: node, subscribers: subs.filter { $0.node == node }, sent: sent) }
        return FanOutResult(
            topic: topic,
            subscribers: n,
            messages: messages,
            paced: pacedPerSecond,
            seconds: Double(end - first) / 1e9,
            p50: NodeFigures.percentile(latencies, 50),
            p99: NodeFigures.percentile(latencies, 99),
            serverCPU: cpu,
            databaseCPU: database,
            nodes: nodes
        )
    }
}

enum HistoryRun {
    /// Milliseconds from opening a socket to its `ready` frame after `rows` history rows
    /// (median and best of `tries`; the connection and upgrade included).
    static func run(clients: any EventLoopGroup, port: Int, rows: Int, tries: Int = 9) async throws -> (median: Double, best: Double) {
        var times: [Double] = []
        for _ in 0..<tries {
            let probe = HistoryProbe()
            let start = nowNanos()
            let c = try await LeanWebSocketClient.connect(group: clients, port: port, path: "/topics/bench?_limit=\(rows)") { probe.onText($0) }
            try await Wait.until("history") { probe.done.load(ordering: .acquiring) != 0 }
            let got = probe.rows.load(ordering: .relaxed)
            guard got == rows else { throw BenchFailure("expected \(rows) history rows, got \(got)") }
            times.append(Double(probe.done.load(ordering: .acquiring) - start) / 1e6)
            try await c.close()
        }
        times.sort()
        return (times[times.count / 2], times[0])
    }
}

/// Counts history rows until `ready`.
final class HistoryProbe: Sendable {
    let rows = Atomic<Int>(0)
    let done = Atomic<UInt64>(0)
    func onText(_ view: ByteBuffer) {
        if FrameText.hasPrefix(view, FrameText.ready) {
            done.store(nowNanos(), ordering: .releasing)
        } else if FrameText.hasPrefix(view, FrameText.message) {
            rows.add(1, ordering: .relaxed)
        }
    }
}
