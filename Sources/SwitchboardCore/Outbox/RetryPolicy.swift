import Foundation
import Synchronization

/// When and how often to try again (smsd's `retry` settings): delay × factor^(n-1), capped,
/// up to `limit` attempts in all, plus up to `jitter` seconds at random.
///
/// The jitter is swift-jobs' `ExponentialJitterJobRetryStrategy`'s: a uniform random
/// amount in `0..<jitter` added to the capped delay, so deliveries that failed together (a
/// gateway outage) do not all come back in the same instant and knock it over again.
package struct RetryPolicy: Sendable, Equatable {
    package var delay: TimeInterval
    package var factor: Double
    package var maxDelay: TimeInterval
    package var limit: Int
    /// Seconds added at random, `0..<jitter`, to each delay; 0 for none.
    package var jitter: TimeInterval

    /// The default jitter: swift-jobs' `maxJitter`.
    package static let defaultJitter: TimeInterval = 10

    package init(delay: TimeInterval = 30, factor: Double = 1.5, maxDelay: TimeInterval = 3600, limit: Int = 5, jitter: TimeInterval = defaultJitter)
    {
        self.delay = delay
        self.factor = factor
        self.maxDelay = maxDelay
        self.limit = limit
        self.jitter = jitter
    }

    /// The wait before the next try after `attempts` tries, or `nil` when the limit is reached.
    package func backoff(afterAttempts attempts: Int, random: RandomSource = .system) -> TimeInterval? {
        guard attempts < limit else { return nil }
        let base = min(maxDelay, delay * pow(factor, Double(max(0, attempts - 1))))
        guard jitter > 0 else { return base }
        return base + random.unit() * jitter
    }
}

/// Random numbers in `0..<1` for retry jitter: the system's, or one a test controls.
package struct RandomSource: Sendable {
    package let unit: @Sendable () -> Double
    package init(unit: @escaping @Sendable () -> Double) { self.unit = unit }

    /// The system generator.
    package static let system = RandomSource { Double.random(in: 0..<1) }

    /// A repeatable sequence from `generator` (a seeded generator in tests).
    package static func from(_ generator: some RandomNumberGenerator & Sendable) -> RandomSource {
        let state = Mutex(generator)
        return RandomSource { state.withLock { Double.random(in: 0..<1, using: &$0) } }
    }
}
