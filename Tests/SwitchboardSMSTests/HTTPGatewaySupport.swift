import SwitchboardCore

@testable import SwitchboardSMS

/// Builds `http-gateway` connectors the way the hub does: through the engine, from keys.
enum Gateway {
    enum Value: ExpressibleByStringLiteral {
        case text(String)
        case list([String])
        init(stringLiteral value: String) { self = .text(value) }
        var node: ConfigNode {
            switch self {
            case .text(let s): .scalar(s, nil)
            case .list(let items): .sequence(items.map { .scalar($0, nil) }, nil)
            }
        }
    }

    /// The connector, or nil, and every problem found (unknown keys included). `dispatch`
    /// stands for the keys every connector shares, which the hub's parser reads (`max_in_flight`).
    static func make(
        _ keys: KeyValuePairs<String, Value>,
        env: [String: String] = [:],
        dispatch: ConnectorDispatchSettings = .init()
    ) -> (HTTPGatewayConnector?, [ConfigProblem]) {
        let node = ConfigNode.mapping(keys.map { ($0.key, $0.value.node) })
        let reader = ConfigReader(node: node, path: "connectors.gw")
        let settings = ConnectorSettings(name: "gw", engine: "http-gateway", channels: [.sms], settings: node, dispatch: dispatch)
        let connector = HTTPGatewayConnector.engine.make(settings, reader, ConfigEnvironment(variables: env))
        reader.rejectUnknownKeys()
        return (connector as? HTTPGatewayConnector, reader.problems)
    }

    /// Runs `body` with a connector made from `keys`, shutting it down afterwards whatever happens.
    static func with<T>(
        _ keys: KeyValuePairs<String, Value>,
        env: [String: String] = [:],
        dispatch: ConnectorDispatchSettings = .init(),
        _ body: (HTTPGatewayConnector) async throws -> T
    ) async throws -> T {
        try await withConnector(make(keys, env: env, dispatch: dispatch), shutdown: { await $0.shutdown() }, body)
    }

    static func outbound(_ text: String, to: String = "+4712345678") -> Outbound {
        let message = Message(text: text)
        return Outbound(delivery: Delivery(messageID: message.id, address: .sms(to), channel: .sms), message: message)
    }

    /// The connector's failure, or nil if it sent.
    static func failure(_ connector: HTTPGatewayConnector, _ outbound: Outbound) async -> ConnectorError? {
        do {
            _ = try await connector.send(outbound)
            return nil
        } catch { return error as? ConnectorError ?? .transient("not a ConnectorError: \(error)") }
    }
}

/// Runs `body` with a connector made from configuration (or throws its configuration problems),
/// and shuts the connector down afterwards, also when `body` throws.
func withConnector<C, T>(
    _ made: (C?, [ConfigProblem]),
    shutdown: (C) async -> Void,
    _ body: (C) async throws -> T
) async throws -> T {
    guard let connector = made.0 else { throw ConfigurationError(problems: made.1) }
    do {
        let result = try await body(connector)
        await shutdown(connector)
        return result
    } catch {
        await shutdown(connector)
        throw error
    }
}
