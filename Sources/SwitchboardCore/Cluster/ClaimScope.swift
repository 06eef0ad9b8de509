import Foundation

/// Which due deliveries one node of a cluster may claim, when some connectors are run by one
/// node only (`Connector.singleOwner`: a modem, an XMPP account).
///
/// A delivery that can only leave through a connector another node runs must be sent by that
/// node, so the claim itself leaves it alone (checking a lease at send time would move it
/// round the cluster in retries). The store decides against its own leases
/// (`connector:NAME`) at the instant of the claim, by its own clock:
/// - pinned to a single-owner connector: only the node holding that connector's lease;
/// - otherwise, by the channel's route: not while another node holds a single-owner connector
///   of the route (that node sends it, in route order); and a route made only of single-owner
///   connectors needs one of them held by this node. A single-owner connector nobody holds is
///   skipped at send time, so the route fails over to the next connector.
package struct ClaimScope: Sendable, Equatable {
    /// The node claiming (its id in leases).
    package var node: String
    /// Every connector run by one node only.
    package var singleOwner: Set<String>
    /// Per channel, the single-owner connectors of its route.
    package var singleOwnerRoutes: [ChannelName: [String]]
    /// Channels whose route is made only of single-owner connectors.
    package var ownedOnlyChannels: Set<ChannelName>

    package init(node: String, singleOwner: Set<String>, routes: [ChannelName: [String]]) {
        self.node = node
        self.singleOwner = singleOwner
        var owned: [ChannelName: [String]] = [:]
        var only: Set<ChannelName> = []
        for (channel, route) in routes {
            let singles = route.filter(singleOwner.contains)
            if !singles.isEmpty { owned[channel] = singles }
            if !route.isEmpty && singles.count == route.count { only.insert(channel) }
        }
        self.singleOwnerRoutes = owned
        self.ownedOnlyChannels = only
    }

    /// Whether the scope restricts anything: without single-owner connectors every node claims
    /// everything.
    package var isRestricting: Bool { !singleOwner.isEmpty }

    /// The (channel, connector) pairs of `singleOwnerRoutes`, as two parallel lists.
    package var routePairs: (channels: [String], connectors: [String]) {
        var channels: [String] = []
        var connectors: [String] = []
        for (channel, names) in singleOwnerRoutes.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            for name in names {
                channels.append(channel.rawValue)
                connectors.append(name)
            }
        }
        return (channels, connectors)
    }
}

/// A store shared between nodes that claims within a `ClaimScope` (PostgreSQL). A store that
/// is one node by design runs every connector itself and claims as `claimDue` does.
package protocol ScopedClaims: Sendable {
    /// `OutboxStore.claimDue`, leaving out what `scope` gives to another node.
    func claimDue(limit: Int, now: Date, leaseUntil: Date, scope: ClaimScope) async throws -> [DeliveryJob]
}
