import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import SwitchboardCore

/// What the topic sockets share, built once per application: the hub of rows and
/// subscribers, the alert templates and the gate that admits connections.
struct TopicEndpoints: Sendable {
    let hub: TopicHub
    let alerts: TopicAlerts
    let gate: TopicGate

    /// `nil` when no topic is configured (or the store keeps no topics).
    init?(_ env: APIEnvironment, hooks: [String: any TopicHook], logger: Logger) {
        let topics = env.hub.configuration.topics
        guard !topics.isEmpty, let store = env.hub.store as? any TopicStore else { return nil }
        hub = TopicHub(topics: topics, store: store, hooks: hooks, logger: logger)
        alerts = TopicAlerts(hub: env.hub, topics: topics, logger: logger)
        gate = TopicGate(store: env.hub.store)
    }

    /// The largest single WebSocket frame the server reads: larger than every topic's
    /// `max_frame_bytes`, so an oversize message is answered with an error frame; only a
    /// single frame beyond this closes the socket (1009).
    var transportFrameLimit: Int { max(1 << 20, 2 * (hub.topics.map(\.maxFrameBytes).max() ?? 0)) }
}

/// The HTTP server with WebSocket upgrades for the configured topics (plain HTTP/1 when
/// there are none). Each topic socket is one `TopicConnection`.
func topicServer(_ topics: TopicEndpoints?, logger: Logger) -> HTTPServerBuilder {
    guard let topics else { return .http1() }
    let hub = topics.hub, alerts = topics.alerts, gate = topics.gate
    let configuration = HTTP1WebSocketUpgradeChannel.Configuration(ws: .init(maxFrameSize: topics.transportFrameLimit))
    return .http1WebSocketUpgrade(configuration: configuration) { head, _, logger in
        let (path, query) = TopicConnection.split(head.path ?? "")
        guard let topic = hub.topic(path: path) else { return .dontUpgrade }
        let admission: TopicGate.Admission
        do {
            admission = try await gate.admit(topic, headers: head.headerFields, authority: head.authority, rawQuery: query)
        } catch {
            // A refused upgrade can only be a bare 400 here, which tells a browser nothing:
            // the socket opens just to carry the reason, then closes with 4000 + HTTP status.
            let refusal = error as? APIError ?? APIError(.internalServerError, "internal_error", "could not check the credentials; try again")
            return .upgrade([:]) { _, outbound, _ in
                let frame = TopicJSON.error(TopicError(.forbidden, refusal.code, refusal.message), method: nil, ref: nil)
                try? await outbound.write(.text(String(frame.dropLast()) + #","status":\#(refusal.status.code)}"#))
                try? await outbound.close(.unknown(UInt16(4000 + refusal.status.code)), reason: refusal.code)
            }
        }
        return .upgrade([:]) { inbound, outbound, _ in
            await TopicConnection(hub: hub, alerts: alerts, admission: admission, logger: logger).run(inbound, outbound)
        }
    }
}
