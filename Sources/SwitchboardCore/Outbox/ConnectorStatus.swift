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

    /// In rotation: not cooling down, and its link (if it has one) up.
    package var inRotation: Bool { gate.coolingDownFor == nil && link?.up != false }
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
                link: (connector as? any ConnectorLinkReporting)?.link
            )
        }
    }
}
