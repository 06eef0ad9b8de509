/// Failures per key and when each key may try again: a plain state machine over a time the
/// caller passes in, so tests move the clock instead of sleeping.
///
/// An attempt is `begin`, then `fail`, `succeed` or `abandon`. Once a key has used its free
/// failures, only one attempt at a time may be in flight for it, so forty concurrent guesses
/// cannot all be checked before the first failure is counted.
struct ThrottleTable<Key: Hashable & Sendable>: Sendable {
    typealias Instant = ContinuousClock.Instant

    struct Entry: Sendable {
        var failures = 0
        var inFlight = 0
        var lastFailure: Instant
        var blockedUntil: Instant?
        /// A refusal during the current block has been logged (one warning per block).
        var refusalReported = false
    }

    let policy: ThrottlePolicy
    /// Most keys kept; beyond it the least recently failed are forgotten first, so a flood of
    /// made-up names or addresses costs bounded memory.
    let capacity: Int
    private(set) var entries: [Key: Entry] = [:]

    init(policy: ThrottlePolicy, capacity: Int = 10_000) {
        self.policy = policy
        self.capacity = capacity
    }

    /// How long `key` must wait before it may try, or `nil` if it may try now.
    func wait(_ key: Key, now: Instant) -> Duration? {
        guard let entry = entries[key], !isForgotten(entry, now: now) else { return nil }
        if let until = entry.blockedUntil, until > now { return until - now }
        // Past its free failures, a key tries one attempt at a time; the one in flight is
        // answered within a bcrypt check, so the shortest delay is wait enough.
        if entry.inFlight > 0, policy.delay(afterFailures: entry.failures + entry.inFlight) != nil {
            return policy.firstDelay
        }
        return nil
    }

    /// Whether this refusal of `key` is the first of its block (the one worth a warning).
    mutating func reportRefusal(_ key: Key) -> Bool {
        guard var entry = entries[key], !entry.refusalReported else { return false }
        entry.refusalReported = true
        entries[key] = entry
        return true
    }

    mutating func begin(_ key: Key, now: Instant) {
        var entry = entries[key].flatMap { isForgotten($0, now: now) ? nil : $0 } ?? Entry(lastFailure: now)
        entry.inFlight += 1
        entries[key] = entry
        if entries.count > capacity { evict(now: now) }
    }

    /// Counts a failure; returns the block it starts, if any.
    @discardableResult
    mutating func fail(_ key: Key, now: Instant) -> Duration? {
        var entry = entries[key] ?? Entry(lastFailure: now)
        entry.inFlight = max(0, entry.inFlight - 1)
        entry.failures += 1
        entry.lastFailure = now
        let delay = policy.delay(afterFailures: entry.failures)
        if let delay {
            entry.blockedUntil = now + delay
            entry.refusalReported = false
        }
        entries[key] = entry
        return delay
    }

    /// A success forgets the key's failures.
    mutating func succeed(_ key: Key) {
        entries[key] = nil
    }

    /// An attempt that neither failed nor succeeded (the check itself broke).
    mutating func abandon(_ key: Key) {
        guard var entry = entries[key] else { return }
        entry.inFlight = max(0, entry.inFlight - 1)
        entries[key] = entry.failures == 0 && entry.inFlight == 0 ? nil : entry
    }

    private func isForgotten(_ entry: Entry, now: Instant) -> Bool {
        guard entry.inFlight == 0 else { return false }
        if let until = entry.blockedUntil, until > now { return false }
        return now - entry.lastFailure >= policy.forgetAfter
    }

    /// Drops forgotten keys; if still over capacity, the least recently failed idle ones, down
    /// to nine tenths of it, so a flood pays for this once per thousand new keys, not each time.
    private mutating func evict(now: Instant) {
        entries = entries.filter { !isForgotten($0.value, now: now) }
        let target = capacity - capacity / 10
        guard entries.count > target else { return }
        let idle = entries.filter { $0.value.inFlight == 0 }.sorted { $0.value.lastFailure < $1.value.lastFailure }
        for (key, _) in idle.prefix(entries.count - target) { entries[key] = nil }
    }
}
