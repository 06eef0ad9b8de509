import Foundation
import Hummingbird
import Logging
import Prometheus
import SwitchboardCore

/// Builds the HTTP application; the same function serves `main` and the tests.
///
/// The application listens on `hub.configuration.server.host`/`port`. It serves HTTP only:
/// the hub's own services (`hub.services`: dispatcher and connectors) are not added, so the
/// caller runs them beside it in one `ServiceGroup`, and tests can drive the dispatcher by hand.
///
/// - Parameter topicHooks: code hooks by topic name (`open`, `prepare`, `modify`), run after
///   that topic's declarative rules; a name that is not a configured topic is a programming
///   error and stops here.
package func buildApplication(
    hub: Hub,
    registry: PrometheusCollectorRegistry,
    logger: Logger,
    topicHooks: [String: any TopicHook] = [:]
) -> some ApplicationProtocol {
    buildApplication(hub: hub, registry: registry, logger: logger, accounts: Accounts(store: hub.store), topicHooks: topicHooks)
}

/// As above, with the accounts (and so the bcrypt cost) chosen by the caller; tests use cost 4.
func buildApplication(
    hub: Hub,
    registry: PrometheusCollectorRegistry,
    logger: Logger,
    accounts: Accounts,
    throttle: AuthThrottle = AuthThrottle(),
    topicHooks: [String: any TopicHook] = [:]
) -> some ApplicationProtocol {
    let unknown = topicHooks.keys.filter { name in !hub.configuration.topics.contains { $0.name == name } }.sorted()
    precondition(unknown.isEmpty, "topic hooks for topics that are not configured: \(unknown.joined(separator: ", "))")
    let environment = APIEnvironment(
        hub: hub,
        accounts: accounts,
        registry: registry,
        openAPIDocument: APIEnvironment.loadOpenAPIDocument(logger: logger),
        templates: MessageTemplates(hub.configuration.templates),
        throttle: throttle
    )
    let server = hub.configuration.server
    let topics = TopicEndpoints(environment, hooks: topicHooks, logger: logger)
    let transport = HTTPTransport.forServer(server, logger: logger)
    let inbox = InboxFeed(
        events: hub.inboxEvents,
        store: hub.store,
        settings: server,
        noText: environment.web.texts["inbox_no_text"],
        notices: hub.clusterNotices,
        logger: logger
    )
    var app = Application(
        router: buildRouter(environment),
        server: topicServer(topics, inbox: inbox, transport: transport),
        configuration: .init(address: .hostname(server.host, port: server.port), serverName: "switchboard"),
        services: [inbox],
        onServerRunning: { channel in await HTTPTransport.guardAccepting(channel, logger: logger) },
        logger: logger
    )
    if let topics, let engine = hub.conversations {
        // A conversation step's topic row goes through the topic's pipeline and alerts as a
        // socket's write does.
        engine.topicPoster = { topic, rowID, values in
            guard let posted = try await topics.hub.postConversationRow(topic: topic, rowID: rowID, values: values) else { return }
            await topics.alerts.alert(posted.change, topic: posted.topic, principal: TopicHub.conversationPrincipal, topics: topics.hub)
        }
    }
    if let topics {
        // Topic alerts a crash left between their rows' commits and the outbox are queued
        // before the first connection is taken.
        app.beforeServerStarts { await topics.alerts.replayPending(topics.hub) }
    }
    return app
}

/// Every route of the API. Public routes are added before the authentication middleware,
/// all others after it, so a new route is protected unless deliberately put in the first list.
func buildRouter(_ env: APIEnvironment) -> Router<SwitchboardRequestContext> {
    // HEAD is answered wherever GET is, from the GET handler.
    let router = Router(context: SwitchboardRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: MetricsMiddleware())
    // Outside the error middleware, so refusals to the inbox widget carry CORS headers too.
    router.add(middleware: WidgetCORSMiddleware(settings: env.hub.configuration.server))
    router.add(middleware: ErrorMiddleware(storage: env.storageHealth, dataDirectory: env.hub.configuration.storage.dataDirectory))

    // Public: the only routes reachable without a login.
    env.addPublicRoutes(to: router)
    // Gateway callbacks: no login, each proves its connector's secret itself.
    env.addConnectorRoutes(to: router)
    env.addWebhookRoutes(to: router)
    env.addTopicRoutes(to: router)
    env.addWidgetRoutes(to: router)
    // The web interface: its own login redirect, security headers and CSRF tokens.
    env.addWebRoutes(to: router)

    let authenticated = router.group()
        .add(middleware: AuthMiddleware(store: env.store, settings: env.hub.configuration.server))
        .add(middleware: CrossSiteRequestGuard(settings: env.hub.configuration.server))
    env.addMetricsRoute(to: authenticated)
    let api = authenticated.group("/api/v1")
    env.addAuthRoutes(to: api)
    env.addMessageRoutes(to: api)
    env.addMessageBatchRoutes(to: api)
    env.addInboxRoutes(to: api)
    env.addContactRoutes(to: api)
    env.addGroupRoutes(to: api)
    env.addContactImportRoutes(to: api)
    env.addUserRoutes(to: api)
    env.addTesterRoutes(to: api)
    env.addQueueRoutes(to: api)
    env.addFormRoutes(to: api)
    env.addConversationRoutes(to: api)
    // Last: it wraps only the not-found answer, and needs every route to be known.
    router.add(middleware: MethodNotAllowedMiddleware(router.routes))
    return router
}

/// What the handlers share, built once per application.
struct APIEnvironment: Sendable {
    typealias Context = SwitchboardRequestContext

    let hub: Hub
    let accounts: Accounts
    let registry: PrometheusCollectorRegistry
    /// The OpenAPI document shipped as a resource; `nil` if the bundle lacks it.
    let openAPIDocument: [UInt8]?
    /// The configured message templates, compiled.
    var templates = MessageTemplates([])
    /// Failed logins and connector secrets, per account and address.
    var throttle = AuthThrottle()
    /// Whether writes are failing for want of disk space (`/health` reports it).
    var storageHealth = StorageHealth()
    /// The web interface's templates, static files and texts.
    var web = WebAssets.load()

    var store: any HubStore { hub.store }
    var maxBodyBytes: Int { hub.configuration.server.maxBodyBytes }

    static func loadOpenAPIDocument(logger: Logger) -> [UInt8]? {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let data = try? Data(contentsOf: url)
        else {
            logger.error("the OpenAPI document is missing from the SwitchboardServer bundle")
            return nil
        }
        return Array(data)
    }
}
