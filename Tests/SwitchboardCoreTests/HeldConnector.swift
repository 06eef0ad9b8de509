import SwitchboardCore
import Synchronization

/// A connector whose sends wait until the test opens it, and that tells the test when a send
/// has started, so dispatch (spread, failover, limits, shutdown) is tested on events, not on
/// timing. With `failing` every send fails at once as transient (a modem without network).
/// A send cancelled while it waits throws `CancellationError`.
final class HeldConnector: Connector {
    let name: String
    let engine = "held"
    let channels: [ChannelName] = [.sms]
    private let failing: Bool
    private let state = Mutex<(started: [String], waiting: [CheckedContinuation<Void, any Error>], open: Bool, current: Int, peak: Int)>(
        ([], [], false, 0, 0)
    )
    private let starts: AsyncStream<String>
    private let startsContinuation: AsyncStream<String>.Continuation

    init(_ name: String = "held", failing: Bool = false) {
        self.name = name
        self.failing = failing
        (starts, startsContinuation) = AsyncStream.makeStream()
    }

    /// The deliveries whose send started here.
    var started: [String] { state.withLock { $0.started } }
    /// The most sends that were inside `send` at once.
    var peak: Int { state.withLock { $0.peak } }

    func send(_ outbound: Outbound) async throws -> Receipt {
        let id = outbound.delivery.id
        if failing {
            state.withLock { $0.started.append(id) }
            startsContinuation.yield(id)
            throw ConnectorError.transient("\(name) has no network")
        }
        defer { state.withLock { $0.current -= 1 } }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let go = state.withLock { s -> Bool in
                    s.started.append(id)
                    s.current += 1
                    s.peak = max(s.peak, s.current)
                    if s.open { return true }
                    s.waiting.append(c)
                    return false
                }
                startsContinuation.yield(id)
                if go { c.resume() }
            }
        } onCancel: {
            let waiting = state.withLock { s in
                defer { s.waiting = [] }
                return s.waiting
            }
            for c in waiting { c.resume(throwing: CancellationError()) }
        }
        return Receipt(id: "\(name)-\(id)")
    }

    /// Lets every waiting send and every later one through.
    func open() {
        let waiting = state.withLock { s in
            s.open = true
            defer { s.waiting = [] }
            return s.waiting
        }
        for c in waiting { c.resume() }
    }

    /// Waits until `count` sends have started here.
    func waitForStarts(_ count: Int) async {
        var seen = 0
        for await _ in starts {
            seen += 1
            if seen == count { return }
        }
    }
}
