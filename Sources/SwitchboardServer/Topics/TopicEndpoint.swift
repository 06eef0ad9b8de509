import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import SwitchboardCore

/// What the topic sockets share, built once per application: the hub of rows and
/// subscribers, the alert templates and the gate that admits connections.
struct TopicEndpoints: Sendable {
    let hub: TopicHub
    let alerts: TopicAlerts
    let gate: TopicGate
    /// The store's space, shared with the HTTP API: a topic write refused for want of disk
    /// space marks it full for `/health`, as a refused API write does.
    let storage: StorageHealth
    let dataDirectory: String

    /// `nil` when no topic is configured (or the store keeps no topics).
    init?(_ env: APIEnvironment, hooks: [String: any TopicHook], logger: Logger) {
        let topics = env.hub.configuration.topics
        guard !topics.isEmpty, let store = env.hub.store as? any TopicStore else { return nil }
        hub = TopicHub(topics: topics, store: store, hooks: hooks, notices: env.hub.clusterNotices, logger: logger)
        alerts = TopicAlerts(hub: env.hub, topics: topics, logger: logger)
        gate = TopicGate(store: env.hub.store)
        storage = env.storageHealth
        dataDirectory = env.hub.configuration.storage.dataDirectory
    }

    /// The largest single WebSocket frame the server reads: larger than every topic's
    /// `max_frame_bytes`, so an oversize message is answered with an error frame; only a
    /// single frame beyond this closes the socket (1009).
    var transportFrameLimit: Int { max(1 << 20, 2 * (hub.topics.map(\.maxFrameBytes).max() ?? 0)) }
}

/// The HTTP server with WebSocket upgrades for the configured topics and the live inbox
/// (plain HTTP/1 when there are neither), behind the connection caps and timeouts of `transport`.
func topicServer(_ topics: TopicEndpoints?, inbox: InboxFeed? = nil, transport: HTTPTransport) -> HTTPServerBuilder {
    HTTPServerBuilder { responder in TopicServerChannel(responder: responder, endpoints: topics, inbox: inbox, transport: transport) }
}
