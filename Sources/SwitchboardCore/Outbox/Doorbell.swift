import Synchronization

/// Wakes a sleeping loop at once when there is new work; a ring while nobody waits is kept,
/// so no wake-up is ever lost between "checked for work" and "went to sleep".
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func ring() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.rung = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when rung, after `timeout`, or when the task is cancelled.
    func wait(timeout: Duration) async {
        if state.withLock({ s in
            let r = s.rung
            s.rung = false
            return r
        }) {
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                        let resumeNow = self.state.withLock { s -> Bool in
                            if s.rung {
                                s.rung = false
                                return true
                            }
                            s.waiter = c
                            return false
                        }
                        if resumeNow { c.resume() }
                    }
                } onCancel: {
                    self.ring()
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.ring()
            }
            await group.next()
            group.cancelAll()
            await group.waitForAll()
            // The timer's or canceller's ring may have landed after the waiter was resumed.
            self.state.withLock { $0.rung = false }
        }
    }
}
