import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import Synchronization

/// Nanoseconds on a monotonic clock, comparable across the tasks of this process.
func nowNanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// The `seq` of a broadcast row, read without a JSON parser so clients cost little CPU
/// next to the server they share the machine with.
func seq(of text: String) -> Int? {
    guard text.hasPrefix(#"{"_type":"message""#), let r = text.range(of: #""seq":"#) else { return nil }
    var n = 0, any = false
    for c in text[r.upperBound...].utf8 {
        guard c >= 48 && c <= 57 else { break }
        n = n * 10 + Int(c - 48); any = true
    }
    return any ? n : nil
}

enum BenchClient {
    static let logger: Logger = { var l = Logger(label: "bench-client"); l.logLevel = .error; return l }()
    static let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 16)

    static func waitForServer(url: String) async throws {
        for _ in 0..<100 {
            do {
                try await WebSocketClient.connect(url: url + "?_limit=0", configuration: configuration, logger: logger) { _, outbound, _ in
                    try await outbound.close(.normalClosure, reason: nil)
                }
                return
            } catch {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        throw CancellationError()
    }
}

/// One subscriber: counts rows and, when sampled, keeps each row's arrival time.
final class Subscriber: Sendable {
    let received = Atomic<Int>(0)
    let ready = Atomic<Bool>(false)
    let arrivals: Mutex<[(Int, UInt64)]>?
    let lastArrival = Atomic<UInt64>(0)

    init(sampled: Bool) { arrivals = sampled ? Mutex([]) : nil }

    func run(url: String, expected: Int) async throws {
        try await WebSocketClient.connect(url: url, configuration: BenchClient.configuration, logger: BenchClient.logger) { inbound, outbound, _ in
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message else { continue }
                if text.hasPrefix(#"{"_type":"ready""#) { self.ready.store(true, ordering: .releasing); continue }
                guard let n = seq(of: text) else { continue }
                let t = nowNanos()
                self.arrivals?.withLock { $0.append((n, t)) }
                self.lastArrival.store(t, ordering: .relaxed)
                if self.received.wrappingAdd(1, ordering: .relaxed).newValue >= expected {
                    try await outbound.close(.normalClosure, reason: nil)
                }
            }
        }
    }
}
