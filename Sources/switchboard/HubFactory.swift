import Foundation
import Logging
import SwitchboardConfig
import SwitchboardCore
import SwitchboardSQLite

/// Builds a `Hub` from the configuration file and command-line overrides: the one place
/// that knows every engine and every store.
enum HubFactory {
    /// Every engine this build of the hub can run.
    static var engines: [ConnectorEngine] { Hub.builtinEngines }

    static func loadConfiguration(_ options: HubOptions) throws -> (HubConfiguration, [any Connector]) {
        var (configuration, connectors) = try ConfigLoader.load(path: options.config, engines: engines, environment: ConfigEnvironment())
        if let dir = options.dataDir { configuration.storage.dataDirectory = dir }
        return (configuration, connectors)
    }

    static func openStore(_ configuration: HubConfiguration) throws -> SQLiteStore {
        switch configuration.storage.driver {
        case .sqlite:
            return try SQLiteStore(directory: configuration.storage.dataDirectory, synchronous: configuration.storage.synchronous)
        case .postgres:
            throw ValidationError("storage.driver: postgres is not available in this build yet; use sqlite")
        }
    }

    static func makeHub(_ options: HubOptions, logger: Logger, adjust: (inout HubConfiguration) -> Void = { _ in }) throws -> Hub {
        var (configuration, connectors) = try loadConfiguration(options)
        adjust(&configuration)
        let store = try openStore(configuration)
        return Hub(configuration: configuration, store: store, connectors: connectors, logger: logger)
    }
}
