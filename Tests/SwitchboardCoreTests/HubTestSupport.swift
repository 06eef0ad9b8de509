import Logging
import SwitchboardCore

/// A hub on the in-memory store with bucket connectors, for tests of Core behaviour
/// through the real router, outbox and dispatcher.
func makeHub(
    connectors: [any Connector] = [BucketConnector(name: "tester")],
    routes: [ChannelName: [String]]? = nil,
    autoReplies: [AutoReply] = [],
    forwarding: [ForwardingRule] = [],
    handlers: [any MessageHandler] = [],
    retry: (delay: Double, limit: Int) = (0, 3),
    channelSettings: [ChannelName: ChannelSettings]? = nil,
    connectorSettings: [ConnectorSettings] = [],
    packers: [ChannelName: MessagePacker] = [:],
    inbox: InboxSettings = .init(),
    lease: Double? = nil,
    logger: Logger = Logger(label: "test"),
    dispatcher: (inout DispatcherSettings) -> Void = { _ in }
) throws -> Hub {
    var configuration = HubConfiguration.embeddedDefault
    configuration.connectors = []
    let defaultRoute = connectors.map(\.name)
    configuration.channels = (routes ?? [.sms: defaultRoute, .email: defaultRoute, .im: defaultRoute]).mapValues { ChannelSettings(route: $0) }
    configuration.autoReplies = autoReplies
    configuration.forwarding = forwarding
    configuration.dispatcher.retryDelay = retry.delay
    configuration.dispatcher.retryLimit = retry.limit
    configuration.dispatcher.retryJitter = 0
    if let channelSettings { configuration.channels = channelSettings }
    configuration.connectors = connectorSettings
    configuration.inbox = inbox
    if let lease { configuration.dispatcher.lease = lease }
    dispatcher(&configuration.dispatcher)
    return Hub(
        configuration: configuration,
        store: MemoryStore(),
        connectors: connectors,
        handlers: handlers,
        packers: packers,
        logger: logger
    )
}
