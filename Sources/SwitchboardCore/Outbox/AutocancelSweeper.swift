import Foundation
import Logging
import Synchronization

/// Marks deliveries that waited past their channel's autocancel age as `ignored` (smsd's
/// autocancel), so a long outage does not end in a burst of stale alerts. Runs before each
/// claim, at most every few seconds.
final class AutocancelSweeper: Sendable {
    let ages: [(ChannelName, TimeInterval)]
    let interval: TimeInterval
    private let lastRun = Mutex<Date>(.distantPast)

    init(channels: [ChannelName: ChannelSettings]) {
        ages = channels.compactMap { c in c.value.autocancelAfter.map { (c.key, $0) } }.sorted { $0.0 < $1.0 }
        interval = min(5, ages.map(\.1).min().map { $0 / 4 } ?? 5)
    }

    func sweepIfDue(store: any QueueStore, now: Date, logger: Logger) async {
        guard !ages.isEmpty else { return }
        let due = lastRun.withLock { last -> Bool in
            guard now.timeIntervalSince(last) >= interval else { return false }
            last = now
            return true
        }
        guard due else { return }
        for (channel, age) in ages {
            do {
                let n = try await store.cancelPending(
                    createdBefore: now.addingTimeInterval(-age),
                    channel: channel,
                    status: .ignored,
                    reason: "autocancel: still queued after \(Int(age)) s",
                    by: "autocancel"
                )
                if n > 0 { logger.warning("autocancelled stale deliveries", metadata: ["channel": "\(channel)", "count": "\(n)"]) }
            } catch {
                logger.error("autocancel failed", metadata: ["channel": "\(channel)", "error": "\(error)"])
            }
        }
    }
}
