import Foundation
import Synchronization

/// One connected subscriber: its filters and the ordered frames waiting to be written.
///
/// Until its history is queued it buffers live writes; `goLive` then queues the history,
/// a `ready` frame and the buffered writes newer than the history's revision, in one step
/// under the lock, so nothing published meanwhile can slip between them.
///
/// The queue is bounded: a subscriber with more than `limit` frames waiting (beyond the
/// history it was just given) when a new row is broadcast has fallen behind. Its queue is
/// then dropped, one `too_slow` error frame takes its place, and the subscription ends
/// with `endReason == .tooSlow`, so a slow reader can never grow the hub's memory.
package final class TopicSubscription: Sendable {
    package let topic: TopicDefinition
    package let filters: [TopicFilter]
    /// Frames tolerated in the queue before the subscriber counts as fallen behind.
    package let limit: Int
    /// The login it was opened with (`nil`: anonymous), for the log when it is dropped.
    package let user: String?
    private let state: Mutex<State>
    private let onEnd: @Sendable (TopicSubscription) -> Void

    /// Why a subscription ended.
    package enum EndReason: Sendable, Equatable {
        /// Cancelled by its connection (closed socket) or by the hub.
        case cancelled
        /// More than `limit` frames were waiting when a row was broadcast.
        case tooSlow
    }

    enum Phase {
        case buffering([(Int64, String)])
        case live
        case ended(EndReason)
    }

    struct State {
        var phase: Phase = .buffering([])
        var queue: [String] = []
        /// Queue length that still counts as keeping up; `limit` plus the history just queued.
        var allowance: Int
        var taker: CheckedContinuation<[String]?, Never>?
        /// A push consumer's signal (see `onFrames`), and whether it was given and not yet answered.
        var waker: (@Sendable () -> Void)?
        var woken = false
        /// Frames that were waiting when it was dropped as too slow.
        var droppedQueue = 0
        /// The revision the history reflects: a write at or below it is in the history, even
        /// when its broadcast comes after `goLive` (its writer committed before the history
        /// was read, then was slower to publish), so it is not sent again.
        var liveAfter: Int64 = .min
    }

    init(
        topic: TopicDefinition,
        filters: [TopicFilter],
        limit: Int? = nil,
        user: String? = nil,
        onEnd: @escaping @Sendable (TopicSubscription) -> Void
    ) {
        self.topic = topic
        self.filters = filters
        self.user = user
        self.onEnd = onEnd
        self.limit = max(1, limit ?? topic.maxQueuedFrames)
        state = Mutex(State(allowance: self.limit))
    }

    func wants(_ change: TopicChange) -> Bool {
        if filters.allSatisfy({ $0.matches(change.row) }) { return true }
        guard let previous = change.previous else { return false }
        return filters.allSatisfy { $0.matches(previous) }
    }

    /// Queues a broadcast row, or ends the subscription if the client has fallen behind.
    func offer(_ text: String, revision: Int64) {
        var overflowed = false
        var wake: (@Sendable () -> Void)?
        let taker = state.withLock { s -> CheckedContinuation<[String]?, Never>? in
            defer { wake = Self.wakeIfNeeded(&s) }
            switch s.phase {
            case .buffering(var pending):
                s.phase = .live  // release the array's storage before appending (no copy)
                pending.append((revision, text))
                if pending.count > limit {
                    overflowed = true
                    return Self.overflow(&s, limit: limit, waiting: pending.count)
                }
                s.phase = .buffering(pending)
                return nil
            case .live:
                guard revision > s.liveAfter else { return nil }
                if s.queue.count >= s.allowance {
                    overflowed = true
                    return Self.overflow(&s, limit: limit, waiting: s.queue.count + 1)
                }
                return Self.enqueue(text, &s)
            case .ended: return nil
            }
        }
        taker?.resume(returning: overflowed ? [TopicJSON.tooSlow(limit: limit)] : [text])
        wake?()
        if overflowed { onEnd(self) }
    }

    /// Ends the subscription as fallen behind without a new row: the hub cannot give it a
    /// gap-free feed any more (another node's changes are gone from the change log).
    func fallBehind() {
        var wake: (@Sendable () -> Void)?
        let (ended, taker) = state.withLock { s -> (Bool, CheckedContinuation<[String]?, Never>?) in
            if case .ended = s.phase { return (false, nil) }
            defer { wake = Self.wakeIfNeeded(&s) }
            let waiting: Int
            if case .buffering(let pending) = s.phase { waiting = pending.count } else { waiting = s.queue.count }
            return (true, Self.overflow(&s, limit: limit, waiting: waiting))
        }
        taker?.resume(returning: [TopicJSON.tooSlow(limit: limit)])
        wake?()
        if ended { onEnd(self) }
    }

    /// The push consumer's waker, once per batch: when frames (or the end) wait and it was
    /// not already told. Called under the lock; the caller runs it after unlocking.
    private static func wakeIfNeeded(_ s: inout State) -> (@Sendable () -> Void)? {
        guard let waker = s.waker, !s.woken else { return nil }
        switch s.phase {
        case .buffering: return nil
        case .live: if s.queue.isEmpty { return nil }
        case .ended: break
        }
        s.woken = true
        return waker
    }

    /// Drops everything queued and leaves the `too_slow` frame as the last thing to write.
    private static func overflow(_ s: inout State, limit: Int, waiting: Int) -> CheckedContinuation<[String]?, Never>? {
        s.phase = .ended(.tooSlow)
        s.droppedQueue = waiting
        s.woken = false  // a push consumer that is not reading must still hear of the end
        s.queue = []
        if let t = s.taker {
            s.taker = nil
            return t
        }
        s.queue = [TopicJSON.tooSlow(limit: limit)]
        return nil
    }

    /// Appends a frame, or hands it straight to a waiting writer.
    private static func enqueue(_ text: String, _ s: inout State) -> CheckedContinuation<[String]?, Never>? {
        if let t = s.taker {
            s.taker = nil
            return t
        }
        s.queue.append(text)
        return nil
    }

    func goLive(history: [String], revision: Int64) {
        var wake: (@Sendable () -> Void)?
        let (taker, batch) = state.withLock { s -> (CheckedContinuation<[String]?, Never>?, [String]) in
            defer { wake = Self.wakeIfNeeded(&s) }
            guard case .buffering(let pending) = s.phase else { return (nil, []) }
            s.queue.reserveCapacity(history.count + 1 + pending.count)
            s.queue += history
            s.queue.append(TopicJSON.ready(history: history.count))
            for (r, text) in pending where r > revision { s.queue.append(text) }
            s.phase = .live
            s.liveAfter = revision
            s.allowance = limit + s.queue.count
            guard let t = s.taker else { return (nil, []) }
            s.taker = nil
            defer { s.queue = [] }
            return (t, s.queue)
        }
        taker?.resume(returning: batch)
        wake?()
    }

    /// Queues a frame for this client alone (an ack or an error), after what is already queued.
    /// Answers to the client's own writes never count as falling behind: its reader waits
    /// for them, so they are bounded by the client's own frames.
    package func send(_ text: String) {
        var wake: (@Sendable () -> Void)?
        let taker = state.withLock { s -> CheckedContinuation<[String]?, Never>? in
            if case .ended = s.phase { return nil }
            defer { wake = Self.wakeIfNeeded(&s) }
            return Self.enqueue(text, &s)
        }
        taker?.resume(returning: [text])
        wake?()
    }

    /// Makes this a push subscription: `waker` is called (on whatever thread queued) when
    /// frames wait or the subscription ended, once until the consumer calls `takeAvailable`.
    /// A connection's event loop uses it to write without a task of its own per client.
    /// Called at once if something already waits.
    package func onFrames(_ waker: @escaping @Sendable () -> Void) {
        let wake = state.withLock { s -> (@Sendable () -> Void)? in
            s.waker = waker
            s.woken = false
            return Self.wakeIfNeeded(&s)
        }
        wake?()
    }

    /// Everything queued now, without waiting, and why the subscription ended if it has
    /// (the frames are still to be written: a `too_slow` subscription's last is its error
    /// frame); re-arms the waker.
    package func takeAvailable() -> (frames: [String], ended: EndReason?) {
        state.withLock { s in
            s.woken = false
            let batch = s.queue
            s.queue = []
            switch s.phase {
            case .live:
                s.allowance = limit
                return (batch, nil)
            case .ended(let reason): return (batch, reason)
            case .buffering: return (batch, nil)
            }
        }
    }

    /// Every frame queued so far, oldest first, waiting for at least one; `nil` once the
    /// subscription has ended and its last frames were taken.
    package func next() async -> [String]? {
        await withCheckedContinuation { (c: CheckedContinuation<[String]?, Never>) in
            let (ready, batch) = state.withLock { s -> (Bool, [String]?) in
                if !s.queue.isEmpty {
                    let batch = s.queue
                    s.queue = []
                    if case .live = s.phase { s.allowance = limit }
                    return (true, batch)
                }
                if case .ended = s.phase { return (true, nil) }
                s.taker = c
                return (false, nil)
            }
            if ready { c.resume(returning: batch) }
        }
    }

    /// How many frames were waiting (the new one included) when it was dropped as too slow;
    /// 0 otherwise.
    package var droppedQueueSize: Int { state.withLock { $0.droppedQueue } }

    /// Why the subscription ended; `nil` while it runs.
    package var endReason: EndReason? {
        state.withLock { s in
            if case .ended(let r) = s.phase { return r }
            return nil
        }
    }

    /// Every frame for this client, one at a time: history, `ready`, live rows, acks, errors.
    package var frames: Frames { Frames(subscription: self) }

    /// Stops delivery and unregisters; the frames already queued can still be taken.
    package func cancel() {
        let (wasRunning, taker) = state.withLock { s -> (Bool, CheckedContinuation<[String]?, Never>?) in
            if case .ended = s.phase { return (false, nil) }
            s.phase = .ended(.cancelled)
            s.waker = nil  // the consumer cancelled: it needs no call back
            defer { s.taker = nil }
            return (true, s.taker)
        }
        taker?.resume(returning: nil)
        if wasRunning { onEnd(self) }
    }

    /// The frames as an `AsyncSequence` of single texts (for tests and simple consumers).
    package struct Frames: AsyncSequence, Sendable {
        package typealias Element = String
        let subscription: TopicSubscription
        package func makeAsyncIterator() -> Iterator { Iterator(subscription: subscription) }

        package struct Iterator: AsyncIteratorProtocol {
            let subscription: TopicSubscription
            var batch: [String] = []
            var index = 0
            package mutating func next() async -> String? {
                if index == batch.count {
                    guard let more = await subscription.next() else { return nil }
                    batch = more
                    index = 0
                }
                defer { index += 1 }
                return batch[index]
            }
        }
    }
}
