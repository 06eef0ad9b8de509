import Foundation

/// One connector as the operator's page shows it: what it is, its limits, and what its
/// dispatcher gate and (for engines with a link of their own, such as modems) its link know
/// now. Nothing here is stored: it starts empty with the hub.
package struct ConnectorStatus: Sendable, Equatable {
    package var name: String
    package var engine: String
    package var channels: [ChannelName]
    package var maxInFlight: Int
    /// Sends per second allowed; `nil`: unlimited.
    package var throughputLimit: Double?
    package var gate: ConnectorGate.Snapshot
    /// `nil` for engines without a link of their own.
    package var link: ConnectorLink?
    /// For a single-owner connector when nodes share the store: who runs it; `nil` otherwise
    /// (every node runs it).
    package var ownership: Ownership?

    /// In rotation here: not cooling down, its link (if it has one) up, and run by this node.
    package var inRotation: Bool { gate.coolingDownFor == nil && link?.up != false && ownership?.runsHere != false }

    /// Which node runs a single-owner connector.
    package struct Ownership: Sendable, Equatable {
        /// The node holding its lease as this node last saw it; `nil`: nobody.
        package var holder: String?
        /// Whether this node runs it now.
        package var runsHere: Bool
    }
}

extension OutboxDispatcher {
    /// Every connector's status, in the registry's order.
    package func connectorStatuses(now: Date = Date()) -> [ConnectorStatus] {
        connectors.all.map { connector in
            let gate = gates[connector.name] ?? ConnectorGate()
            return ConnectorStatus(
                name: connector.name,
                engine: connector.engine,
                channels: connector.channels,
                maxInFlight: gate.configuration.maxInFlight,
                throughputLimit: gate.configuration.throughput,
                gate: gate.snapshot(now: now),
                link: (connector as? any ConnectorLinkReporting)?.link,
                ownership: owners[connector.name].map { ConnectorStatus.Ownership(holder: $0.holder, runsHere: $0.runsHere) }
            )
        }
    }
}
