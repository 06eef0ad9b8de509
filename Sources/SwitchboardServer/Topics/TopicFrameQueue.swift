import Synchronization

/// Frames a client sent that wait for the connection's writer: the reader pushes, the
/// writer takes everything queued at once, so a client that does not wait for acks gets
/// its POSTs committed together. The reader waits when `limit` frames are queued, so a
/// flooding client is slowed down instead of growing memory.
final class TopicFrameQueue: Sendable {
    private struct State {
        var items: [TopicInbound] = []
        var finished = false
        var taker: CheckedContinuation<[TopicInbound]?, Never>?
        var pusher: CheckedContinuation<Void, Never>?
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int = 256) { self.limit = limit }

    func push(_ text: TopicInbound) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let (taker, batch, resumeNow) = state.withLock { s -> (CheckedContinuation<[TopicInbound]?, Never>?, [TopicInbound], Bool) in
                if let t = s.taker {
                    s.taker = nil
                    return (t, [text], true)
                }
                s.items.append(text)
                if s.items.count >= limit { s.pusher = c; return (nil, [], false) }
                return (nil, [], true)
            }
            taker?.resume(returning: batch)
            if resumeNow { c.resume() }
        }
    }

    func finish() {
        let taker = state.withLock { s -> CheckedContinuation<[TopicInbound]?, Never>? in
            s.finished = true
            defer { s.taker = nil }
            return s.items.isEmpty ? s.taker : nil
        }
        taker?.resume(returning: nil)
    }

    /// Everything queued (waiting for at least one frame); `nil` once finished and drained.
    func takeAll() async -> [TopicInbound]? {
        await withCheckedContinuation { (c: CheckedContinuation<[TopicInbound]?, Never>) in
            let (result, pusher, wait) = state.withLock { s -> ([TopicInbound]?, CheckedContinuation<Void, Never>?, Bool) in
                if !s.items.isEmpty {
                    let items = s.items
                    s.items = []
                    defer { s.pusher = nil }
                    return (items, s.pusher, false)
                }
                if s.finished { return (nil, nil, false) }
                s.taker = c
                return (nil, nil, true)
            }
            pusher?.resume()
            if !wait { c.resume(returning: result) }
        }
    }
}
