import BenchmarkSupport
import Foundation
import NIOCore
import SwitchboardCore
import Synchronization

/// Rows received by the subscribers: (inbox item id, monotonic nanoseconds at arrival).
let arrivals = Mutex<[(Int, UInt64)]>([])
let readySockets = Atomic<Int>(0)

extension WebBench {
    /// `subscribers` sockets on `/ws/inbox` with the token; `messages` inbound messages
    /// handed to the hub one every `pace`; each row's time from the hand-over to each socket.
    func liveRun(token: String, cookie: String) async throws -> (count: Int, p50: Double, p99: Double, max: Double) {
        arrivals.withLock { $0.reserveCapacity(subscribers * messages) }
        var sockets: [any Channel] = []
        for _ in 0..<subscribers {
            sockets.append(
                try await LeanWebSocketClient.connect(group: clients, port: port, path: "/ws/inbox?token=\(token)") { frame in
                    let now = DispatchTime.now().uptimeNanoseconds
                    if let id = InboxFrame.itemID(frame) {
                        arrivals.withLock { $0.append((id, now)) }
                    } else if InboxFrame.hasPrefix(frame, InboxFrame.ready) {
                        readySockets.add(1, ordering: .relaxed)
                    }
                }
            )
        }
        for _ in 0..<400 where readySockets.load(ordering: .relaxed) < subscribers { try await Task.sleep(for: .milliseconds(25)) }
        guard readySockets.load(ordering: .relaxed) == subscribers else {
            throw BenchFailure("only \(readySockets.load(ordering: .relaxed)) sockets ready")
        }

        var handedOver: [Int: UInt64] = [:]
        let start = ContinuousClock.now
        for k in 0..<messages {
            try await Task.sleep(until: start + pace * k, clock: .continuous)
            let from = try Address(parsing: "sms:+47\(41_000_000 + k)")
            let t0 = DispatchTime.now().uptimeNanoseconds
            let result = try await hub.receive(InboundMessage(connector: "tester", from: from, text: "Live \(k): the bridge is closed"))
            guard let id = result.inboxItemID else { throw BenchFailure("message \(k) did not reach the inbox") }
            handedOver[Int(id)] = t0
        }
        let expected = subscribers * messages
        for _ in 0..<600 where arrivals.withLock({ $0.count }) < expected { try await Task.sleep(for: .milliseconds(25)) }
        let received = arrivals.withLock { $0 }
        // Real pages while the subscribers are still connected (their rows are not counted).
        if browserPages > 0 { try await browserRun(cookie: cookie) }
        for socket in sockets { try? await socket.close() }
        let latencies = received.compactMap { id, at in handedOver[id].map { Double(at &- $0) / 1e6 } }.sorted()
        return (received.count, percentile(latencies, 0.5), percentile(latencies, 0.99), latencies.last ?? .nan)
    }

    /// `Benchmarks/web_live_browser.py`: headless Chromium pages on `/`, messages injected
    /// through the tester API; prints the figures it reports.
    func browserRun(cookie: String) async throws {
        let script = "Benchmarks/web_live_browser.py"
        guard FileManager.default.fileExists(atPath: script) else {
            note("\(script) not found (run from the repository's root); no browser pages")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, base, cookie, "\(browserPages)", "50", "100"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = try await Task.detached { output.fileHandleForReading.readDataToEndOfFile() }.value
        process.waitUntilExit()
        struct Result: Decodable {
            var rows: Int
            var latenciesMs: [Double]
            enum CodingKeys: String, CodingKey {
                case rows
                case latenciesMs = "latencies_ms"
            }
        }
        guard process.terminationStatus == 0, let result = try? JSONDecoder().decode(Result.self, from: data) else {
            note("the browser run failed (status \(process.terminationStatus))")
            return
        }
        let l = result.latenciesMs.sorted()
        print(
            "browser: \(browserPages) headless Chromium page(s) on `/`, 50 messages through the tester API one every 100 ms "
                + "(\(result.rows) rows seen of \(50 * browserPages)), with the \(subscribers) subscribers still connected; "
                + "from just before the injecting request to the row in the page: "
                + "p50 \(f(percentile(l, 0.5), 1)) ms, p99 \(f(percentile(l, 0.99), 1)) ms, max \(f(l.last ?? .nan, 1)) ms"
        )
    }
}
