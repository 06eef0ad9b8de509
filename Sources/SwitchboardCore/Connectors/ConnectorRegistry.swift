/// The hub's connectors by name, in configuration order.
public struct ConnectorRegistry: Sendable {
    public let all: [any Connector]
    private let byName: [String: any Connector]

    public init(_ connectors: [any Connector]) {
        all = connectors
        byName = Dictionary(connectors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public subscript(name: String) -> (any Connector)? { byName[name] }
    public var names: [String] { all.map(\.name) }
}
