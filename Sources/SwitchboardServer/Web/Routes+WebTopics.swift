import Foundation
import Hummingbird
import SwitchboardCore

// The topics page: the topics whose read rule lets the user in (the same rule and principal
// as the topic's WebSocket gate), each linking to its chat page.

extension APIEnvironment {
    func topicsPage(_ request: Request, _ context: Context) async throws -> Response {
        let user = try context.requireUser()
        let gate = TopicGate(store: store)
        var rows: [[String: Any]] = []
        for topic in hub.configuration.topics where topic.chatPage {
            guard topic.read.allows(try await gate.principal(for: user, topic: topic)) else { continue }
            rows.append(["name": topic.name, "href": topic.path, "columns": topic.columns.map(\.name).joined(separator: ", ")])
        }
        let values: [String: Any] = ["rows": rows, "hasRows": !rows.isEmpty]
        return try await render(WebPage(template: "topics", title: web.texts["topics_title"], page: "topics", values: values), request, context)
    }
}
