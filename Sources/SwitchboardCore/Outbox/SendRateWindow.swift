import Foundation

/// Sends counted per second over the last minute, for a connector's observed throughput.
///
/// Sixty one-second buckets, each remembering which second it counts, so a bucket left from an
/// earlier minute is never read as this one's and nothing needs a timer to clear it. The time
/// is an argument, so tests step their own clock.
package struct SendRateWindow: Sendable, Equatable {
    package static let seconds = 60
    private var counts = [Int](repeating: 0, count: seconds)
    private var stamps = [Int](repeating: Int.min, count: seconds)

    package init() {}

    /// Counts one send at `now`.
    package mutating func add(at now: Date) {
        let second = Self.second(now)
        let index = Self.index(second)
        if stamps[index] != second {
            stamps[index] = second
            counts[index] = 0
        }
        counts[index] += 1
    }

    /// Sends in the minute up to and including `now`'s second.
    package func count(at now: Date) -> Int {
        let second = Self.second(now)
        var total = 0
        for index in counts.indices where stamps[index] <= second && stamps[index] > second - Self.seconds {
            total += counts[index]
        }
        return total
    }

    private static func second(_ date: Date) -> Int { Int(date.timeIntervalSince1970.rounded(.down)) }

    private static func index(_ second: Int) -> Int {
        let remainder = second % seconds
        return remainder < 0 ? remainder + seconds : remainder
    }
}
