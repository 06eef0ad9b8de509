import Synchronization

/// Bounds how many things are under way at once: a gateway's open requests (`max_in_flight`),
/// an SMTP client's sessions (`pool_size`). A server that allows N answers the N+1st with an
/// error, so callers queue here instead.
///
/// Waiters are served first come, first served. A waiter whose task is cancelled leaves the
/// queue and gets `CancellationError`, so a stopping hub is never stuck behind a busy server.
package final class AsyncSemaphore: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var available: Int
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
        /// Ids cancelled before their continuation was queued.
        var cancelled: Set<UInt64> = []
    }
    private enum Decision { case granted, queued, cancelled }

    private let state: Mutex<State>

    package init(permits: Int) {
        precondition(permits > 0, "a semaphore needs at least one permit")
        state = Mutex(State(available: permits))
    }

    /// Waits for a permit; give it back with `release()`.
    package func acquire() async throws {
        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let decision: Decision = state.withLock { s in
                    if s.cancelled.remove(id) != nil { return .cancelled }
                    if s.available > 0 && s.waiters.isEmpty {
                        s.available -= 1
                        return .granted
                    }
                    s.waiters.append(Waiter(id: id, continuation: continuation))
                    return .queued
                }
                switch decision {
                case .granted: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .queued: break
                }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { s in
                if let i = s.waiters.firstIndex(where: { $0.id == id }) { return s.waiters.remove(at: i) }
                s.cancelled.insert(id)
                return nil
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
        // Cancelled after being granted: the mark is no longer needed.
        state.withLock { s in _ = s.cancelled.remove(id) }
    }

    /// Gives a permit back, handing it straight to the longest waiter if there is one.
    package func release() {
        let next: Waiter? = state.withLock { s in
            if s.waiters.isEmpty {
                s.available += 1
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.continuation.resume()
    }

    /// Holds a permit while `body` runs.
    package func withPermit<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }
}
