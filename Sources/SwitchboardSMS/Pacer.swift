import Synchronization

/// Spaces calls evenly to at most `rate` per second (`throughput`): gateways and operators
/// cap messages per second, and a burst above the cap is refused or billed as abuse.
///
/// Each call reserves the next free slot (`1/rate` after the previous one, never in the
/// past) and sleeps until it. There is no burst allowance: after an idle spell the first call
/// goes at once and the next one `1/rate` later. A cancelled caller's slot is simply lost.
final class Pacer: Sendable {
    let interval: Duration
    private let clock = ContinuousClock()
    private let next: Mutex<ContinuousClock.Instant?> = Mutex(nil)

    init(ratePerSecond rate: Double) {
        precondition(rate > 0 && rate.isFinite, "a rate must be above zero")
        interval = .nanoseconds(Int64((1_000_000_000 / rate).rounded()))
    }

    /// Returns when the caller may go.
    func wait() async throws {
        let now = clock.now
        let slot = next.withLock { next -> ContinuousClock.Instant in
            let slot = max(now, next ?? now)
            next = slot + interval
            return slot
        }
        if slot > now { try await Task.sleep(until: slot, clock: clock) }
    }
}
