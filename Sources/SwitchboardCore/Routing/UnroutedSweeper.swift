import Foundation
import Logging
import ServiceLifecycle

/// Routes inbound messages a dead node left unrouted, on the node holding the cluster's
/// `sweeper` lease, every `age`: marks at least `age` old (see `UnroutedInboundAge`), so a
/// message a live node is routing is left to it. Runs only on a store shared between nodes;
/// one a single process owns routes what its previous run left at start, before anything
/// new comes in (`Serve`), and never while its own routing runs.
package struct UnroutedSweeper: Service {
    let router: MessageRouter
    let lease: LeaseKeeper
    /// How old a mark must be to be taken as left behind; also the time between sweeps.
    let age: TimeInterval
    let logger: Logger

    package init(router: MessageRouter, lease: LeaseKeeper, age: TimeInterval, logger: Logger) {
        self.router = router
        self.lease = lease
        self.age = age
        self.logger = logger
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: .milliseconds(Int64(age * 1000)))
                } catch {
                    return
                }
                await sweepIfHolder()
            }
        }
    }

    /// Routes what was left unrouted for `age` when this node holds the lease; returns how many.
    @discardableResult
    package func sweepIfHolder() async -> Int {
        guard lease.isHolder else { return 0 }
        do {
            let routed = try await router.routeUnrouted(settledFor: age)
            if routed > 0 { logger.warning("routed inbound messages a stopped node left unrouted", metadata: ["count": "\(routed)"]) }
            return routed
        } catch {
            logger.error("routing inbound messages left unrouted failed; trying again later", metadata: ["error": "\(error)"])
            return 0
        }
    }
}
