import Synchronization

/// Frames a client sent, waiting to be answered in the order they came, by at most one task
/// at a time: the socket's event loop pushes, a task started for the burst takes everything
/// queued at once (so a client that does not wait for acks gets its POSTs committed together)
/// and ends when the queue is empty. An idle connection has no task at all.
///
/// The queue is bounded by the reader: at `limit` frames the socket stops reading, so a
/// flooding client is slowed down by TCP instead of growing memory.
final class TopicFrameQueue: Sendable {
    private struct State {
        var items: [TopicInbound] = []
        var running = false
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int = 256) { self.limit = limit }

    func push(_ item: TopicInbound) { state.withLock { $0.items.append(item) } }

    var isFull: Bool { state.withLock { $0.items.count >= limit } }

    /// Whether the caller should start a task to take the frames: some wait and none runs.
    func claim() -> Bool {
        state.withLock { s in
            if s.running || s.items.isEmpty { return false }
            s.running = true
            return true
        }
    }

    /// Everything queued, or `nil` (and the claim given up) when nothing is.
    func take() -> [TopicInbound]? {
        state.withLock { s in
            if s.items.isEmpty {
                s.running = false
                return nil
            }
            defer { s.items = [] }
            return s.items
        }
    }
}
