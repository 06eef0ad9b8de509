import Foundation
import Synchronization

/// Replies claimed in a conversation turn's own transaction (`ReplyClaim`), on their way to
/// the dispatcher's send path in memory. The dispatcher's `run()` takes them from `stream` and
/// sends each as a claim round sends what it claimed (`OutboxDispatcher+HandOff`).
///
/// Bounded: at most `limit` replies are claimed-but-not-recorded at once; past that, turns
/// queue their replies for the ordinary claim, which batches them. Open only while `run()`
/// runs, so a hub whose dispatcher does not run (the CLI, tests that drain by hand) queues
/// every reply as before.
final class ReplyHandOff: Sendable {
    /// Jobs a turn committed claimed, and when the claim was taken.
    struct Handed: Sendable {
        var jobs: [DeliveryJob]
        var claimedAt: Date
    }

    private struct State {
        var open = false
        var outstanding = 0
    }

    private let state = Mutex(State())
    let limit: Int
    let stream: AsyncStream<Handed>
    private let continuation: AsyncStream<Handed>.Continuation

    init(limit: Int) {
        self.limit = max(1, limit)
        (stream, continuation) = AsyncStream.makeStream()
    }

    /// `run()` takes hand-offs from now on.
    func open() { state.withLock { $0.open = true } }

    /// No more claims; what is in the stream already is still handed out, then it ends.
    func close() {
        state.withLock { $0.open = false }
        continuation.finish()
    }

    /// Room for `count` more replies, if open and under the limit.
    func reserve(_ count: Int) -> Bool {
        state.withLock { s in
            guard s.open, s.outstanding + count <= limit else { return false }
            s.outstanding += count
            return true
        }
    }

    /// Gives back room: replies whose outcome is recorded, or that were never handed over.
    func release(_ count: Int) {
        guard count > 0 else { return }
        state.withLock { $0.outstanding -= count }
    }

    /// Whether claims are taken now.
    var isOpen: Bool { state.withLock { $0.open } }

    /// Replies claimed but not yet recorded (or given back).
    var outstanding: Int { state.withLock { $0.outstanding } }

    /// Hands jobs to `run()`; `false` once the stream has ended (the dispatcher stopped).
    func send(_ handed: Handed) -> Bool {
        if case .enqueued = continuation.yield(handed) { return true }
        return false
    }
}
