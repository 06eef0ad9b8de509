import Foundation
import Metrics
import Synchronization

/// What one node knows of a single-owner connector (`Connector.singleOwner`) when several
/// nodes share a store: whether it runs here, and which sends through it are under way.
///
/// The connector's lease (`connector:NAME`) says which node may run it. This node sends
/// through the connector only while `runsHere`, and each send is counted from `beginSend` to
/// `endSend`, so that on losing the lease the node stops taking new sends at once and lets the
/// ones under way finish before it stops the connector (`OwnedConnectorService`) — all while
/// its own count of the lease still runs, so another node starts it only afterwards.
package final class ConnectorOwner: Sendable {
    package let name: String
    package let lease: LeaseKeeper
    private let state = Mutex(State())
    private let runsHereGauge: Gauge

    private struct State {
        var runsHere = false
        var inFlight = 0
    }

    package init(connector name: String, lease: LeaseKeeper) {
        self.name = name
        self.lease = lease
        self.runsHereGauge = Gauge(label: "switchboard_connector_runs_here", dimensions: [("connector", name)])
        runsHereGauge.record(0)
    }

    /// Whether this node runs the connector now (it holds the lease and started it).
    package var runsHere: Bool { state.withLock { $0.runsHere } }

    /// Sends under way through the connector on this node.
    package var inFlight: Int { state.withLock { $0.inFlight } }

    /// The node that holds the connector's lease, as this node last saw it (nil: nobody).
    package var holder: String? { runsHere ? lease.node : lease.lastSeenHolder }

    /// Counts a send in when the connector runs here; `false` (and nothing counted) when not.
    package func beginSend() -> Bool {
        state.withLock { s in
            guard s.runsHere else { return false }
            s.inFlight += 1
            return true
        }
    }

    /// A send counted in by `beginSend` ended.
    package func endSend() {
        state.withLock { $0.inFlight -= 1 }
    }

    /// Starts or stops taking sends.
    func setRunsHere(_ value: Bool) {
        state.withLock { $0.runsHere = value }
        runsHereGauge.record(value ? 1 : 0)
    }

    /// Whether the lease is ours with at least a third of its time-to-live left: one missed
    /// renewal is borne, a second one stops the connector while a third is left to drain.
    func holdsWithMargin(now: Date = Date()) -> Bool {
        guard let until = lease.heldUntilDate else { return false }
        return until.timeIntervalSince(now) > lease.ttl / 3
    }
}

/// The single-owner connectors of one node, by name, as the dispatcher asks about them. Every
/// other connector runs on every node; on a store that is one node by design there are none.
package struct ConnectorOwners: Sendable {
    package let byName: [String: ConnectorOwner]
    /// What this node may claim; nil when nothing restricts it.
    package let scope: ClaimScope?

    package init(_ owners: [ConnectorOwner] = [], scope: ClaimScope? = nil) {
        self.byName = Dictionary(owners.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.scope = owners.isEmpty ? nil : scope
    }

    package subscript(name: String) -> ConnectorOwner? { byName[name] }

    /// Whether `name` may send on this node now.
    package func runsHere(_ name: String) -> Bool { byName[name]?.runsHere ?? true }
}
