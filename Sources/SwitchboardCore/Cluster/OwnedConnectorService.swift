import Foundation
import Logging
import ServiceLifecycle

/// Runs a single-owner connector on the one node of the cluster that holds its lease.
///
/// It renews the lease every third of its time-to-live. Holding it, the node starts the
/// connector's inbound loop and takes sends (`ConnectorOwner.runsHere`). When two renewals in
/// a row fail, or another node took the lease, it stops taking sends, waits for the sends under
/// way until its own count of the lease runs out, then cancels the connector; another node
/// can only take the lease after that. At graceful shutdown (after the dispatcher has drained)
/// it stops the connector and releases the lease, so another node starts it at once.
package struct OwnedConnectorService: Service {
    let owner: ConnectorOwner
    let connector: any Connector
    let sink: any InboundSink
    let logger: Logger

    package init(owner: ConnectorOwner, connector: any Connector, sink: any InboundSink, logger: Logger) {
        self.owner = owner
        self.connector = connector
        self.sink = sink
        self.logger = logger
    }

    var renewInterval: Duration { .milliseconds(Int64(max(0.01, owner.lease.ttl / 3) * 1000)) }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await owner.lease.renew()
                if owner.holdsWithMargin() { await runWhileHeld() }
                if Task.isCancelled { break }
                try? await Task.sleep(for: renewInterval)
            }
        }
        owner.setRunsHere(false)
        await owner.lease.release()
    }

    /// Runs the connector until the lease is lost or the service is cancelled, then drains.
    private func runWhileHeld() async {
        owner.setRunsHere(true)
        logger.info("running a single-owner connector on this node", metadata: ["connector": "\(owner.name)", "node": "\(owner.lease.node)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await ConnectorService(connector: connector, sink: sink, logger: logger).runUntilCancelled()
                // A connector without an inbound side returns at once; it still runs here.
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            }
            group.addTask { await renewWhileHeld() }
            await group.next()
            owner.setRunsHere(false)
            await drain(until: owner.lease.heldUntilDate ?? Date())
            group.cancelAll()
        }
        logger.info("stopped a single-owner connector on this node", metadata: ["connector": "\(owner.name)"])
    }

    /// Renews until the lease is no longer held with a margin (returns) or cancelled.
    private func renewWhileHeld() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: renewInterval)
            if Task.isCancelled { return }
            await owner.lease.renew()
            if !owner.holdsWithMargin() {
                logger.warning(
                    "lost the lease of a single-owner connector; stopping it here",
                    metadata: ["connector": "\(owner.name)", "holder": "\(owner.lease.lastSeenHolder ?? "nobody")"]
                )
                return
            }
        }
    }

    /// Waits for the sends under way to end, at most until `deadline` (the lease's end here).
    private func drain(until deadline: Date) async {
        // Cancelled means shutting down: the dispatcher has drained before connectors stop.
        while owner.inFlight > 0 && Date() < deadline && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if owner.inFlight > 0 {
            logger.warning(
                "stopping a single-owner connector with sends under way: its lease ran out",
                metadata: ["connector": "\(owner.name)", "in_flight": "\(owner.inFlight)"]
            )
        }
    }
}
