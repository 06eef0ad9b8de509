/// A connector's own link to its far side (a modem registered on a network, an XMPP stream
/// signed in), as the operator's connector page shows it.
///
/// Only engines whose link can be down while the hub runs report one; the dispatcher's gate
/// knows everything else (cool-down, sends in flight, errors), whatever the engine.
public protocol ConnectorLinkReporting: Connector {
    var link: ConnectorLink { get }
}

/// Whether a connector's link is up now, with a short detail for people (`+CREG stat 5`).
public struct ConnectorLink: Sendable, Equatable {
    public var up: Bool
    public var detail: String
    public init(up: Bool, detail: String) {
        self.up = up
        self.detail = detail
    }
}
