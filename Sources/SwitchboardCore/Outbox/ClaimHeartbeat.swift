import Foundation
import Logging
import Synchronization

/// Keeps the claims of sends in flight, as a job queue's visibility-timeout heartbeat does:
/// a claim's lease is fixed when it is taken, but a send may last longer (a modem's or
/// gammu's send timeout, an XMPP ack wait), and a lease that ran out mid-send lets the claim
/// loop, here or on another node, claim the delivery and send it again. So from the moment
/// a connector's `send` starts until the outcome is committed, the claim is extended every
/// third of the lease, all sends in flight in one store call per tick.
///
/// Claims that have not started sending (waiting for a worker or a connector slot) are not
/// extended: they keep the `ClaimWindow` rules. A node that dies stops extending, so its
/// claims run out and are claimed again, as before.
package final class ClaimHeartbeat: Sendable {
    /// The claims one send carries (one delivery, or a pack), extended once it starts sending.
    struct Hold: Sendable {
        let number: Int
        let ids: [String]
        let heartbeat: ClaimHeartbeat

        /// The connector's `send` starts: the claims are extended from now until `release()`.
        func startSending() { heartbeat.state.withLock { $0.sending[number] = ids } }

        /// Whether the claims are being extended: then they are still this send's.
        var isSending: Bool { heartbeat.state.withLock { $0.sending[number] != nil } }

        /// The outcome is committed (or the claims were put back): extending stops.
        func release() { _ = heartbeat.state.withLock { $0.sending.removeValue(forKey: number) } }
    }

    private struct State {
        var next = 0
        var sending: [Int: [String]] = [:]
    }

    private let state = Mutex(State())
    let store: any OutboxStore
    let lease: TimeInterval
    let logger: Logger

    init(store: any OutboxStore, lease: TimeInterval, logger: Logger) {
        self.store = store
        self.lease = lease
        self.logger = logger
    }

    /// How often the claims in flight are extended: three times a lease, so one late or
    /// failed tick still leaves a third of the lease.
    var interval: Duration { .milliseconds(max(1, Int((lease * 1000 / 3).rounded()))) }

    /// A hold on `ids`, not extended until `startSending()`.
    func hold(_ ids: [String]) -> Hold {
        let number = state.withLock { s in
            s.next += 1
            return s.next
        }
        return Hold(number: number, ids: ids, heartbeat: self)
    }

    /// The deliveries whose sends are in flight now.
    package var sendingIDs: [String] { state.withLock { Array($0.sending.values.joined()) } }

    /// Extends every claim in flight to `now` plus the lease, in one store call. A failure is
    /// logged; the next tick tries again while a third of the lease is left.
    package func extend(now: Date = Date()) async {
        let ids = sendingIDs
        guard !ids.isEmpty else { return }
        do {
            try await store.extendLeases(ids: ids, until: now.addingTimeInterval(lease))
        } catch {
            logger.error("extending the leases of sends in flight failed", metadata: ["deliveries": "\(ids.count)", "error": "\(error)"])
        }
    }

    /// Extends every `interval` until cancelled.
    func run() async {
        while true {
            do { try await Task.sleep(for: interval) } catch { return }
            await extend()
        }
    }
}
