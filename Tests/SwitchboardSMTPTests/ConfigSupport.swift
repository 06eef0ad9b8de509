import SwitchboardCore

/// Runs an engine on a mapping of keys as the hub would (engine and channels already read),
/// returning the connector and every problem, with unknown keys rejected.
enum EngineHarness {
    enum Value: ExpressibleByStringLiteral {
        case scalar(String)
        case list([String])
        init(stringLiteral value: String) { self = .scalar(value) }
        var node: ConfigNode {
            switch self {
            case .scalar(let s): .scalar(s, nil)
            case .list(let l): .sequence(l.map { .scalar($0, nil) }, nil)
            }
        }
    }

    static func make(
        _ engine: ConnectorEngine,
        name: String = "mail",
        channels: [ChannelName] = [.email],
        _ keys: KeyValuePairs<String, Value>,
        env: [String: String] = [:]
    ) -> ((any Connector)?, [String]) {
        let node = ConfigNode.mapping(keys.map { ($0.key, $0.value.node) })
        let reader = ConfigReader(node: node, path: "connectors.\(name)")
        let connector = engine.make(
            ConnectorSettings(name: name, engine: engine.name, channels: channels, settings: node),
            reader,
            ConfigEnvironment(variables: env)
        )
        reader.rejectUnknownKeys()
        return (connector, reader.problems.map { "\($0.path): \($0.message)" })
    }
}
