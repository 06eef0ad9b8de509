import Foundation
import HummingbirdWSClient
import Synchronization

struct FanOutResult {
    var subscribers: Int, messages: Int, paced: Int?
    var seconds: Double
    var p50: Double, p99: Double
    var messagesPerSecond: Double { Double(messages) / seconds }
    var deliveriesPerSecond: Double { Double(messages * subscribers) / seconds }
}

enum FanOut {
    /// Connects the subscribers (history off), waits until all are live, then publishes
    /// `messages` rows from one socket (acks read but not awaited; paced if asked) and
    /// waits until every subscriber has every row.
    static func run(url: String, subscribers n: Int, messages: Int, pacedPerSecond: Int?) async throws -> FanOutResult {
        let subs = (0..<n).map { Subscriber(sampled: $0 < 10) }
        let clock = SendClock(messages: messages)
        let subscriberURL = url + "?_limit=0"
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for s in subs {
                group.addTask {
                    do { try await s.run(url: subscriberURL, expected: messages) } catch {
                        FileHandle.standardError.write(Data("subscriber failed: \(error)\n".utf8))
                        throw error
                    }
                }
            }
            var waited = 0
            while subs.contains(where: { !$0.ready.load(ordering: .acquiring) }) {
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
                if waited % 200 == 0 {
                    FileHandle.standardError.write(Data("  \(subs.filter { $0.ready.load(ordering: .acquiring) }.count)/\(n) subscribers live\n".utf8))
                }
            }
            FileHandle.standardError.write(Data("  all \(n) live; publishing \(messages)\n".utf8))
            group.addTask {
                try await WebSocketClient.connect(url: url + "?_limit=0", configuration: BenchClient.configuration, logger: BenchClient.logger) { inbound, outbound, _ in
                    let start = ContinuousClock.now
                    clock.firstSend.store(nowNanos(), ordering: .relaxed)
                    for i in 0..<messages {
                        if let rate = pacedPerSecond { try await Task.sleep(until: start + .microseconds(i * 1_000_000 / rate), clock: .continuous) }
                        let t = nowNanos()
                        clock.sent.withLock { $0[i] = t }
                        try await outbound.write(.text(#"{"_method":"POST","body":"benchmark message","seq":"# + String(i) + "}"))
                    }
                    var acks = 0
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message else { continue }
                        if text.hasPrefix(#"{"_type":"ack""#) { acks += 1 }
                        if text.hasPrefix(#"{"_type":"error""#) { print("error frame: \(text)") }
                        if acks == messages { break }
                    }
                    try await outbound.close(.normalClosure, reason: nil)
                }
            }
            try await group.waitForAll()
            let end = subs.map { $0.lastArrival.load(ordering: .relaxed) }.max()!
            let sendTimes = clock.sent.withLock { $0 }
            var latencies: [Double] = []
            for s in subs { for (i, t) in s.arrivals?.withLock({ $0 }) ?? [] { latencies.append(Double(t - sendTimes[i]) / 1e6) } }
            latencies.sort()
            return FanOutResult(subscribers: n, messages: messages, paced: pacedPerSecond,
                                seconds: Double(end - clock.firstSend.load(ordering: .relaxed)) / 1e9,
                                p50: latencies[latencies.count / 2], p99: latencies[min(latencies.count - 1, latencies.count * 99 / 100)])
        }
    }
}

enum HistoryRun {
    /// Milliseconds from opening a socket to its `ready` frame after `rows` history rows (best of 5).
    static func run(url: String, rows: Int) async throws -> Double {
        var best = Double.infinity
        for _ in 0..<5 {
            let start = nowNanos()
            let count = Counter()
            try await WebSocketClient.connect(url: url + "?_limit=\(rows)", configuration: BenchClient.configuration, logger: BenchClient.logger) { inbound, outbound, _ in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    if text.hasPrefix(#"{"_type":"ready""#) { break }
                    count.value.wrappingAdd(1, ordering: .relaxed)
                }
                try await outbound.close(.normalClosure, reason: nil)
            }
            precondition(count.value.load(ordering: .relaxed) == rows, "expected \(rows) history rows, got \(count.value.load(ordering: .relaxed))")
            best = min(best, Double(nowNanos() - start) / 1e6)
        }
        return best
    }
}

enum IdleRun {
    /// The server's resident memory growth per idle subscriber, with the clients in a
    /// child process so their memory is not counted.
    static func run(port: Int, connections: Int) async throws -> (connections: Int, bytesPerConnection: Double) {
        let before = residentBytes()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["--idle-clients", String(connections), "--port", String(port)]
        let pipe = Pipe()
        child.standardOutput = pipe
        try child.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        try await Task.sleep(for: .seconds(1))
        let after = residentBytes()
        child.terminate()
        child.waitUntilExit()
        return (connections, Double(after - before) / Double(connections))
    }

    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }
}

enum IdleClients {
    /// The child process: opens `count` subscribers, prints one line when all are live, and
    /// holds them until killed.
    static func run(count: Int, port: Int) async throws {
        let url = "ws://127.0.0.1:\(port)/topics/bench?_limit=0"
        let live = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<count {
                if i % 500 == 499 { try await Task.sleep(for: .milliseconds(50)) }
                group.addTask {
                    try? await WebSocketClient.connect(url: url, configuration: BenchClient.configuration, logger: BenchClient.logger) { inbound, _, _ in
                        for try await message in inbound.messages(maxSize: 1 << 16) {
                            if case .text(let t) = message, t.hasPrefix(#"{"_type":"ready""#) { live.value.wrappingAdd(1, ordering: .relaxed) }
                        }
                    }
                }
            }
            while live.value.load(ordering: .relaxed) < count { try await Task.sleep(for: .milliseconds(50)) }
            FileHandle.standardOutput.write(Data("live \(count)\n".utf8))
            try await group.waitForAll()
        }
    }
}

struct Report {
    var fanout: [FanOutResult] = []
    var paced: FanOutResult?
    var history: Double = 0
    var idle: (connections: Int, bytesPerConnection: Double) = (0, 0)

    func print() {
        func f(_ d: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", d) }
        Swift.print("\n| run | messages | messages/s fanned out | deliveries/s | p50 ms | p99 ms |")
        Swift.print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for r in fanout + [paced].compactMap({ $0 }) {
            let name = r.paced.map { "1 → \(r.subscribers), paced \($0)/s" } ?? "1 → \(r.subscribers), full speed"
            Swift.print("| \(name) | \(r.messages) | \(f(r.messagesPerSecond)) | \(f(r.deliveriesPerSecond)) | \(f(r.p50, 2)) | \(f(r.p99, 2)) |")
        }
        Swift.print("\nhistory: 2,000 rows on connect in \(f(history, 1)) ms (best of 5)")
        Swift.print("idle: \(idle.connections) connections, \(f(idle.bytesPerConnection / 1024, 1)) KB resident per connection")
    }
}

/// Shared between the publisher and the final tally of one run.
final class SendClock: Sendable {
    let sent: Mutex<[UInt64]>
    let firstSend = Atomic<UInt64>(0)
    init(messages: Int) { sent = Mutex([UInt64](repeating: 0, count: messages)) }
}

final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
