import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps one named lease for this node while the node runs: takes it when it is free, renews
/// it every third of its time-to-live, and gives it up at shutdown so another node takes over
/// at once instead of a time-to-live later. Work that must run once in the cluster (the
/// sweepers) asks `isHolder` before each round.
///
/// The node believes it holds the lease for one time-to-live from the moment it *sent* the
/// request that was granted, by its own clock: the database counts from a later moment, so the
/// node stops believing before the database lets another node in, whatever the clocks say. On
/// a store that is one node by design (SQLite, memory) the node always holds every lease.
package final class LeaseKeeper: Service {
    package let name: String
    package let node: String
    package let ttl: TimeInterval
    let leases: any ClusterLeases
    let logger: Logger
    let now: @Sendable () -> Date
    /// Until when this node counts the lease as its own (nil: not held).
    private let heldUntil = Mutex<Date?>(nil)
    /// The holder the last renewal saw (this node or another), for status pages.
    private let seenHolder = Mutex<String?>(nil)

    package init(
        leases: any ClusterLeases,
        name: String,
        node: String,
        ttl: TimeInterval,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.leases = leases
        self.name = name
        self.node = node
        self.ttl = ttl
        self.logger = logger
        self.now = now
    }

    /// Whether this node may do the lease's work now.
    package var isHolder: Bool {
        guard leases.isSharedBetweenNodes else { return true }
        let now = now()
        return heldUntil.withLock { $0.map { now < $0 } ?? false }
    }

    /// Until when this node counts the lease as its own; nil when it does not hold it. A
    /// store that is one node by design holds it for ever.
    package var heldUntilDate: Date? {
        guard leases.isSharedBetweenNodes else { return .distantFuture }
        return heldUntil.withLock { $0 }
    }

    /// Who held the lease at the last renewal (nil before the first, or when nobody did).
    package var lastSeenHolder: String? { seenHolder.withLock { $0 } }

    /// One round: takes or renews the lease; returns whether this node holds it now. A store
    /// that cannot be reached changes nothing: the node keeps what it had until it runs out.
    @discardableResult
    package func renew() async -> Bool {
        let sent = now()
        do {
            let lease = try await leases.acquireLease(name, node: node, ttl: ttl)
            let held = lease.isHeld(by: node)
            seenHolder.withLock { $0 = lease.holder }
            let had = heldUntil.withLock { until in
                let had = until.map { sent < $0 } ?? false
                until = held ? sent.addingTimeInterval(ttl) : nil
                return had
            }
            if held != had {
                logger.info(
                    held ? "took a cluster lease" : "another node holds a cluster lease",
                    metadata: ["lease": "\(name)", "node": "\(node)", "holder": "\(lease.holder)"]
                )
            }
            return held
        } catch {
            logger.warning("renewing a cluster lease failed", metadata: ["lease": "\(name)", "error": "\(error)"])
            return isHolder
        }
    }

    /// Gives the lease up (another node may take it at once); this node stops counting on it first.
    package func release() async {
        heldUntil.withLock { $0 = nil }
        seenHolder.withLock { if $0 == node { $0 = nil } }
        do {
            try await leases.releaseLease(name, node: node)
        } catch {
            logger.warning("releasing a cluster lease failed; it runs out by itself", metadata: ["lease": "\(name)", "error": "\(error)"])
        }
    }

    /// Renews every third of the time-to-live until shutdown, then releases.
    package func run() async throws {
        let interval = Duration.milliseconds(Int64(max(0.01, ttl / 3) * 1000))
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.renew()
                try? await Task.sleep(for: interval)
            }
        }
        await release()
    }
}
