import Foundation
import Synchronization

/// One connected subscriber: its filters and the ordered frames waiting to be written.
///
/// Until its history is queued it buffers live writes; `goLive` then queues the history,
/// a `ready` frame and the buffered writes newer than the history's revision, in one step
/// under the lock, so nothing published meanwhile can slip between them.
public final class TopicSubscription: Sendable {
    public let topic: TopicDefinition
    public let filters: [TopicFilter]
    /// Every frame for this client, in order: history, `ready`, live rows, acks and errors.
    public let frames: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation
    private let state = Mutex<State>(.buffering([]))
    private let onEnd: @Sendable (TopicSubscription) -> Void

    enum State { case buffering([(Int64, String)]), live, ended }

    init(topic: TopicDefinition, filters: [TopicFilter], onEnd: @escaping @Sendable (TopicSubscription) -> Void) {
        self.topic = topic; self.filters = filters; self.onEnd = onEnd
        (frames, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .unbounded)
    }

    func wants(_ change: TopicChange) -> Bool {
        if filters.allSatisfy({ $0.matches(change.row) }) { return true }
        guard let previous = change.previous else { return false }
        return filters.allSatisfy { $0.matches(previous) }
    }

    func offer(_ text: String, revision: Int64) {
        state.withLock { state in
            switch state {
            case .buffering(var pending):
                state = .live  // release the array's storage before appending (no copy)
                pending.append((revision, text))
                state = .buffering(pending)
            case .live: continuation.yield(text)
            case .ended: break
            }
        }
    }

    func goLive(history: [String], revision: Int64) {
        state.withLock { state in
            guard case .buffering(let pending) = state else { return }
            for row in history { continuation.yield(row) }
            continuation.yield(TopicJSON.ready(history: history.count))
            for (r, text) in pending where r > revision { continuation.yield(text) }
            state = .live
        }
    }

    /// Queues a frame for this client alone (an ack or an error), after what is already queued.
    public func send(_ text: String) {
        state.withLock { state in if case .ended = state { return }; continuation.yield(text) }
    }

    /// Stops delivery and unregisters; the frame stream ends after what is queued.
    public func cancel() {
        let wasLive = state.withLock { state -> Bool in
            if case .ended = state { return false }
            state = .ended
            return true
        }
        guard wasLive else { return }
        continuation.finish()
        onEnd(self)
    }

    deinit { continuation.finish() }
}
