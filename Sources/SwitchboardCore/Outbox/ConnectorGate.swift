import Foundation
import Synchronization

/// Guards one connector for the dispatcher: at most `maxInFlight` sends at once, at most
/// `throughput` sends a second, and out of rotation for a cool-down after `failureThreshold`
/// transient failures in a row (then one probe is let through; a success closes the circuit).
///
/// The gate is the only owner of `max_in_flight` and `throughput`, whatever the engine:
/// engines do not limit themselves again (two limiters in series would make the smaller
/// one, with its own default, the real limit); an HTTP engine only sizes its connection
/// pool from `maxInFlight`.
package final class ConnectorGate: Sendable {
    package struct Configuration: Sendable, Equatable {
        package var maxInFlight: Int
        /// Sends per second; `nil` is unlimited.
        package var throughput: Double?
        package var failureThreshold: Int
        package var cooldown: TimeInterval
        /// The default of `max_in_flight` for every connector.
        package static let defaultMaxInFlight = 8
        package init(maxInFlight: Int = defaultMaxInFlight, throughput: Double? = nil, failureThreshold: Int = 5, cooldown: TimeInterval = 30) {
            self.maxInFlight = maxInFlight
            self.throughput = throughput
            self.failureThreshold = failureThreshold
            self.cooldown = cooldown
        }
    }

    private struct State {
        var inFlight = 0
        /// Sends waiting for a slot of this gate, or for one of several gates (`SlotClaim`).
        var waiters: [Waiter] = []
        var nextSlot: ContinuousClock.Instant = .now
        var consecutiveFailures = 0
        var openUntil: Date?
        var probing = false
        /// What the status page shows: outcomes since start, the last error, recent sends.
        var sent = 0
        var failed = 0
        var lastSentAt: Date?
        var lastError: (message: String, at: Date)?
        var recent = SendRateWindow()
    }

    /// The gate's state at one instant, for the operator's connector page.
    package struct Snapshot: Sendable, Equatable {
        package var inFlight: Int
        /// Sends waiting for one of this gate's slots.
        package var waiting: Int
        /// Seconds of cool-down left; `nil` when in rotation.
        package var coolingDownFor: TimeInterval?
        /// The cool-down is over and one probe send is under way.
        package var probing: Bool
        package var consecutiveFailures: Int
        /// Sends the connector took, and tries that failed (transient or permanent), since start.
        package var sent: Int
        package var failed: Int
        /// Sends taken in the last minute: the throughput seen, beside the configured limit.
        package var sentLastMinute: Int
        package var lastSentAt: Date?
        package var lastError: String?
        package var lastErrorAt: Date?
    }

    package let configuration: Configuration
    /// The throughput shared by the nodes of a cluster; nil paces this process alone.
    package let pace: ClusterSendPace?
    private let state = Mutex(State())

    package init(configuration: Configuration = .init(), pace: ClusterSendPace? = nil) {
        self.configuration = configuration
        self.pace = pace
    }

    /// Whether the connector is in rotation now. While cooling down it is not; once the
    /// cool-down is over exactly one caller gets `true` (the probe) until it reports back.
    package func admits(now: Date = Date()) -> Bool {
        state.withLock { s in
            guard let until = s.openUntil else { return true }
            if now < until || s.probing { return false }
            s.probing = true
            return true
        }
    }

    /// Seconds of cool-down left, for status displays.
    package func coolingDown(now: Date = Date()) -> TimeInterval? {
        state.withLock { s in s.openUntil.map { $0.timeIntervalSince(now) }.flatMap { $0 > 0 ? $0 : nil } }
    }

    /// What the gate knows now: slots in use, cool-down, outcomes and the last error.
    package func snapshot(now: Date = Date()) -> Snapshot {
        state.withLock { s in
            Snapshot(
                inFlight: s.inFlight,
                waiting: s.waiters.count,
                coolingDownFor: s.openUntil.map { $0.timeIntervalSince(now) }.flatMap { $0 > 0 ? $0 : nil },
                probing: s.probing,
                consecutiveFailures: s.consecutiveFailures,
                sent: s.sent,
                failed: s.failed,
                sentLastMinute: s.recent.count(at: now),
                lastSentAt: s.lastSentAt,
                lastError: s.lastError?.message,
                lastErrorAt: s.lastError?.at
            )
        }
    }

    /// Runs `body` within the in-flight and throughput limits.
    package func withPermit<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        return try await withAcquiredPermit(body)
    }

    /// Runs `body` with an in-flight slot already taken (`tryAcquire`, `SlotClaim`) within the
    /// throughput limit, then gives the slot back.
    package func withAcquiredPermit<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        defer { release() }
        if let wait = await nextSlot(), wait > .now { try? await Task.sleep(until: wait, clock: .continuous) }
        return try await body()
    }

    /// Takes an in-flight slot if one is free now, without waiting.
    package func tryAcquire() -> Bool {
        state.withLock { s in
            guard s.inFlight < configuration.maxInFlight else { return false }
            s.inFlight += 1
            return true
        }
    }

    /// The next send's slot: the cluster's when shared, else (or when the store cannot be
    /// asked) this process's own.
    private func nextSlot() async -> ContinuousClock.Instant? {
        if let pace, let slot = await pace.nextSlot() { return slot }
        return reserveSlot(now: .now)
    }

    /// When the next send may start under `throughput`, reserving that slot: `1 / throughput`
    /// seconds after the previous one, or `now` if that has passed; `nil` when unlimited. The
    /// time is an argument so that tests can step a clock of their own instead of waiting.
    package func reserveSlot(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        guard let rate = configuration.throughput, rate > 0 else { return nil }
        let interval = Duration.nanoseconds(Int64(1_000_000_000 / rate))
        return state.withLock { s in
            let slot = max(now, s.nextSlot)
            s.nextSlot = slot + interval
            return slot
        }
    }

    /// Reports how a send through this gate ended, for the circuit breaker (`success`) and the
    /// status page (`error`: the try failed, though a refusal still shows the connector works).
    package func record(success: Bool, error: String? = nil, now: Date = Date()) {
        state.withLock { s in
            if let error {
                s.failed += 1
                s.lastError = (error, now)
            } else if success {
                s.sent += 1
                s.lastSentAt = now
                s.recent.add(at: now)
            }
            s.probing = false
            if success {
                s.consecutiveFailures = 0
                s.openUntil = nil
            } else {
                s.consecutiveFailures += 1
                if s.consecutiveFailures >= configuration.failureThreshold {
                    s.openUntil = now.addingTimeInterval(configuration.cooldown)
                }
            }
        }
    }

    /// Reports a try refused because the connector's own link is down (a modem not open or
    /// not registered yet): shown on the status page, but no failure of the far side, so it
    /// counts neither toward the cool-down nor as the success that would end one.
    package func recordRefusedWhileDown(error: String, now: Date = Date()) {
        state.withLock { s in
            s.failed += 1
            s.lastError = (error, now)
            s.probing = false
        }
    }

    private func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let go = state.withLock { s -> Bool in
                if s.inFlight < configuration.maxInFlight {
                    s.inFlight += 1
                    return true
                }
                s.waiters.append(.one(c))
                return false
            }
            if go { c.resume() }
        }
    }

    /// Enters `claim` in the queue, or hands it a slot at once if one is free and the claim
    /// is still open.
    func enqueue(_ claim: SlotClaim) {
        let handOver = state.withLock { s -> SlotClaim.Handover? in
            guard s.inFlight < configuration.maxInFlight else {
                s.waiters.append(.any(claim))
                return nil
            }
            guard let won = claim.win(self) else { return nil }
            s.inFlight += 1
            return won
        }
        handOver?.resume()
    }

    /// Gives a slot back: to the first waiter still waiting, or to the pool.
    package func release() {
        let next = state.withLock { s -> Handoff? in
            while !s.waiters.isEmpty {
                // The permit passes straight to the next waiter.
                switch s.waiters.removeFirst() {
                case .one(let c):
                    return .one(c)
                case .any(let claim):
                    // A claim another gate already served is dropped.
                    if let won = claim.win(self) { return .claim(won) }
                }
            }
            s.inFlight -= 1
            return nil
        }
        switch next {
        case .one(let c): c.resume()
        case .claim(let won): won.resume()
        case nil: break
        }
    }

    private enum Handoff {
        case one(CheckedContinuation<Void, Never>)
        case claim(SlotClaim.Handover)
    }

    enum Waiter {
        case one(CheckedContinuation<Void, Never>)
        case any(SlotClaim)
    }
}
