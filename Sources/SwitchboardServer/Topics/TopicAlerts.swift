import Foundation
import Logging
import Mustache
import SwitchboardCore

/// Topic alerts through the outbox: each configured template is compiled once at start-up
/// and rendered over the row's fields (`{{ body }}`, `{{ user }}`, `{{ _method }}`); the
/// message is then sent like any other, so it is retried, failed over and never lost.
struct TopicAlerts: Sendable {
    struct Templates: @unchecked Sendable {
        // Immutable after init; MustacheTemplate is a value-like tree read concurrently.
        let to: [MustacheTemplate]
        let subject: MustacheTemplate?
        let text: MustacheTemplate
        let html: MustacheTemplate?
        let methods: Set<TopicMethod>
    }

    let hub: Hub
    let templates: [String: Templates]
    let logger: Logger

    init(hub: Hub, topics: [TopicDefinition], logger: Logger) {
        self.hub = hub
        self.logger = logger
        var t: [String: Templates] = [:]
        for topic in topics {
            guard let a = topic.alert else { continue }
            do {
                t[topic.name] = Templates(to: try a.to.map { try MustacheTemplate(string: $0) }, subject: try a.subject.map { try MustacheTemplate(string: $0) },
                                          text: try MustacheTemplate(string: a.text), html: try a.html.map { try MustacheTemplate(string: $0) }, methods: a.methods)
            } catch {
                logger.error("topic alert template does not compile; alerts are off for this topic", metadata: ["topic": "\(topic.name)", "error": "\(error)"])
            }
        }
        self.templates = t
    }

    static func compileProblems(_ topics: [TopicDefinition]) -> [String] {
        topics.compactMap { topic in
            guard let a = topic.alert else { return nil }
            do {
                for s in a.to + [a.text] + [a.subject, a.html].compactMap({ $0 }) { _ = try MustacheTemplate(string: s) }
                return nil
            } catch { return "topics.\(topic.name).alert: \(error)" }
        }
    }

    /// Queues the alert for a committed change, if the topic alerts on its method. Failures
    /// are logged: the row is already stored and broadcast.
    func alert(_ change: TopicChange, topic: TopicDefinition, principal: TopicPrincipal?) async {
        guard let t = templates[topic.name], t.methods.contains(change.method) else { return }
        var context: [String: Any] = ["_method": change.method.rawValue, "_topic": topic.name]
        for (k, v) in change.row.values { context[k] = v.text ?? "" }
        let to = t.to.map { $0.render(context).trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            .map { $0.contains(":") ? $0 : "mailto:" + $0 }
        let request = SendRequest(to: to, text: t.text.render(context), subject: t.subject?.render(context)
            .replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " "), html: t.html?.render(context))
        do {
            _ = try await hub.send(request, sender: principal?.id ?? "topic:\(topic.name)")
        } catch {
            logger.error("topic alert not queued", metadata: ["topic": "\(topic.name)", "id": "\(change.row.id)", "error": "\(error)"])
        }
    }
}
