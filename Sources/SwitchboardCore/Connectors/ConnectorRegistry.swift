/// The hub's connectors by name, in configuration order.
package struct ConnectorRegistry: Sendable {
    package let all: [any Connector]
    private let byName: [String: any Connector]

    package init(_ connectors: [any Connector]) {
        all = connectors
        byName = Dictionary(connectors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    package subscript(name: String) -> (any Connector)? { byName[name] }
    package var names: [String] { all.map(\.name) }
}
