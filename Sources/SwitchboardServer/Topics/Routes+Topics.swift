import Foundation
import Hummingbird
import SwitchboardCore

extension APIEnvironment {
    /// Public HTTP routes at each topic's path: a plain GET gets the topic's chat page (the
    /// WebSocket upgrade of the same path is handled by `topicServer`, and logs in itself).
    func addTopicRoutes(to router: Router<Context>) {
        for topic in hub.configuration.topics {
            router.get(RouterPath(topic.path)) { _, _ -> Response in
                guard topic.chatPage else { throw APIError.notFound("not_found", "topic '\(topic.name)' has no chat page") }
                var headers = HTTPFields()
                headers[.contentType] = "text/html; charset=utf-8"
                headers[.contentSecurityPolicy] =
                    "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(string: TopicChatPage.html(for: topic))))
            }
        }
    }
}
