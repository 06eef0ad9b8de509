import ArgumentParser
import Foundation
import Logging
import SwitchboardConfig
import SwitchboardCore
import SwitchboardModem
import SwitchboardSMS
import SwitchboardSMTP
import SwitchboardSQLite
import SwitchboardServer
import SwitchboardXMPP

/// Builds a `Hub` from the configuration file and command-line overrides: the one place
/// that knows every engine and every store.
enum HubFactory {
    /// Every engine this build of the hub can run.
    static var engines: [ConnectorEngine] {
        Hub.builtinEngines + [
            HTTPGatewayConnector.engine, KannelConnector.engine, WebhookConnector.engine,
            SMTPConnector.engine, EmailGatewayConnector.engine, SMTPInboundConnector.engine,
            ModemConnector.engine, GammuConnector.engine,
            XMPPConnector.engine,
        ]
    }

    static func loadConfiguration(_ options: HubOptions) throws -> (HubConfiguration, [any Connector]) {
        var (configuration, connectors): (HubConfiguration, [any Connector])
        do {
            (configuration, connectors) = try ConfigLoader.load(path: options.config, engines: engines, environment: ConfigEnvironment())
        } catch {
            throw CLIFailure("configuration problems:\n\(error.description)")
        }
        let templates = configuration.templateProblems
        guard templates.isEmpty else { throw CLIFailure("configuration problems:\n\(ConfigurationError(problems: templates).description)") }
        if let dir = options.dataDir { configuration.storage.dataDirectory = dir }
        return (configuration, connectors)
    }

    static func openStore(_ configuration: HubConfiguration) throws -> SQLiteStore {
        switch configuration.storage.driver {
        case .sqlite:
            let storage = configuration.storage
            return try SQLiteStore(
                directory: storage.dataDirectory,
                synchronous: storage.synchronous,
                credentialCacheTTL: storage.credentialCache
            )
        case .postgres:
            // PostgreSQL needs its pool running: commands open it through `withHub` or
            // `withPostgres` (HubFactory+Postgres.swift), never here.
            throw CLIFailure("storage.driver: postgres: this command does not open PostgreSQL; it needs HubFactory.withHub")
        }
    }

    static func makeHub(_ options: HubOptions, logger: Logger) throws -> Hub {
        let (configuration, connectors) = try loadConfiguration(options)
        return try makeHub(configuration: configuration, connectors: connectors, logger: logger)
    }

    /// Responders written in Swift that this build runs, registered here as `buildApplication`
    /// takes topic hooks; the declared ones (`conversations.responders`) join them.
    static let codeResponders: [any Responder] = []

    static func makeHub(configuration: HubConfiguration, connectors: [any Connector], logger: Logger) throws -> Hub {
        makeHub(configuration: configuration, connectors: connectors, store: try openStore(configuration), logger: logger)
    }

    /// The hub on an opened store: the same handlers and responders whichever store it is.
    static func makeHub(configuration: HubConfiguration, connectors: [any Connector], store: any HubStore, logger: Logger) -> Hub {
        Hub(
            configuration: configuration,
            store: store,
            connectors: connectors,
            handlers: [FormSubmissionHandler(store: store)],
            responders: codeResponders + ResponderTemplates.responders(configuration, store: store),
            packers: packers(configuration),
            logger: logger
        )
    }

    /// The SMS packers of channels that pack (`channels.NAME.packing`).
    static func packers(_ configuration: HubConfiguration) -> [ChannelName: MessagePacker] {
        configuration.channels.compactMapValues { settings in
            settings.packing.map { p in
                SMSPacker(mode: PackingMode(rawValue: p.mode) ?? .nav, maxParts: p.maxParts).messagePacker
            }
        }
    }
}
