import Metrics
import Synchronization

/// The conversation engine's metrics: turns committed, expiries and sign-out aborts as
/// counters, and ongoing conversations by responder as a gauge the sweeper refreshes from
/// the store (so it is right after a restart and across processes).
final class ConversationMetrics: Sendable {
    let turns = Counter(label: "switchboard_conversation_turns_total")
    let expired = Counter(label: "switchboard_conversations_expired_total")
    let signedOut = Counter(label: "switchboard_conversations_signout_aborted_total")
    let purged = Counter(label: "switchboard_conversations_purged_total")
    private let reported = Mutex<Set<String>>([])

    /// Sets the gauge of every responder in `counts`, and to 0 those that had a value before
    /// and have none now.
    func ongoing(_ counts: [String: Int], responders: [String]) {
        let names = reported.withLock { seen in
            seen.formUnion(counts.keys)
            seen.formUnion(responders)
            return seen
        }
        for name in names {
            Gauge(label: "switchboard_conversations_ongoing", dimensions: [("responder", name)]).record(counts[name] ?? 0)
        }
    }
}
