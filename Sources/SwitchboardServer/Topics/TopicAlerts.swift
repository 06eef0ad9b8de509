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

    /// Compiles every topic's alert templates. `serve` refuses a configuration whose alert
    /// templates do not compile (`HubConfiguration.templateProblems`, as `check-config`
    /// lists them), so one reaching here is a programming error and stops, as an unknown
    /// topic hook does in `buildApplication`: alerts are never silently off.
    init(hub: Hub, topics: [TopicDefinition], logger: Logger) {
        self.hub = hub
        self.logger = logger
        var t: [String: Templates] = [:]
        for topic in topics {
            guard let alert = topic.alert else { continue }
            do {
                t[topic.name] = try Self.compile(alert)
            } catch {
                preconditionFailure("topic '\(topic.name)': an alert template does not compile (check templateProblems first): \(error)")
            }
        }
        self.templates = t
    }

    /// Recipients, subject and text are plain text (an SMS must read "R&D", not "R&amp;D");
    /// only the HTML part escapes, as Mustache does by default.
    static func compile(_ a: TopicAlertSettings) throws -> Templates {
        func plain(_ source: String) throws -> MustacheTemplate { try MessageTemplates.template(source, plainText: true) }
        return Templates(
            to: try a.to.map(plain),
            subject: try a.subject.map(plain),
            text: try plain(a.text),
            html: try a.html.map { try MustacheTemplate(string: $0) },
            methods: a.methods
        )
    }

    /// Alert templates that do not compile, as `topics.NAME.alert.PART (line N): …`, each
    /// compiled as `init` compiles it (recipients, subject and text as plain text).
    static func problems(_ topics: [TopicDefinition]) -> [ConfigProblem] {
        topics.flatMap { topic -> [ConfigProblem] in
            guard let a = topic.alert else { return [] }
            let parts =
                a.to.enumerated().map { ("to[\($0.offset)]", Optional($0.element), true) }
                + [("subject", a.subject, true), ("text", a.text, true), ("html", a.html, false)]
            return parts.compactMap { part, source, plain in
                source.flatMap {
                    MessageTemplates.problem($0, plainText: plain, path: "topics.\(topic.name).alert.\(part)", mark: a.marks[part])
                }
            }
        }
    }

    /// Queues the alert for a committed change, if the topic alerts on its method. The
    /// alert was recorded with the row (`alertID`); it is queued under an idempotency key
    /// made of that id and cleared only once in the outbox, so a crash at any point neither
    /// loses it (`replayPending` finds it) nor queues it twice. Failures are logged: the row
    /// is already stored and broadcast.
    func alert(_ change: TopicChange, topic: TopicDefinition, principal: TopicPrincipal?, topics: TopicHub) async {
        guard let id = change.alertID else { return }
        guard let t = templates[topic.name], t.methods.contains(change.method) else {
            try? await topics.clearAlert(id)  // the topic no longer alerts on this method: nothing to send
            return
        }
        var context: [String: Any] = ["_method": change.method.rawValue, "_topic": topic.name]
        for (k, v) in change.row.values { context[k] = v.text ?? "" }
        let to = t.to.map { $0.render(context).trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            .map { $0.contains(":") ? $0 : "mailto:" + $0 }
        let request = SendRequest(
            to: to,
            text: t.text.render(context),
            subject: t.subject?.render(context)
                .replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " "),
            html: t.html?.render(context)
        )
        do {
            _ = try await hub.send(request, sender: principal?.id ?? "topic:\(topic.name)", idempotencyKey: "topic-alert-\(id)")
        } catch let error as SwitchboardError where error.kind == .invalid || error.kind == .conflict {
            // Can never be queued (no reachable recipient, …), or already was (a replay after
            // a crash that rendered differently): either way, nothing more to do.
            logger.error("topic alert not queued", metadata: ["topic": "\(topic.name)", "id": "\(change.row.id)", "error": "\(error)"])
        } catch {
            // Left pending: the next start replays it.
            logger.error(
                "topic alert not queued yet; kept for the next start",
                metadata: ["topic": "\(topic.name)", "id": "\(change.row.id)", "error": "\(error)"]
            )
            return
        }
        do { try await topics.clearAlert(id) } catch {
            logger.warning("topic alert queued but not cleared; a replay will find it already queued", metadata: ["error": "\(error)"])
        }
    }

    /// Queues every alert a crash left between its row's commit and the outbox. Run at start.
    func replayPending(_ topics: TopicHub) async {
        do {
            var after: Int64 = 0
            while true {
                let pending = try await topics.pendingAlerts(after: after, limit: 100)
                if pending.isEmpty { return }
                logger.notice("queueing topic alerts left pending by the last run", metadata: ["count": "\(pending.count)"])
                for p in pending { await alert(p.change, topic: p.topic, principal: p.principal, topics: topics) }
                after = pending.last?.change.alertID ?? after
            }
        } catch {
            logger.error("could not replay pending topic alerts", metadata: ["error": "\(error)"])
        }
    }
}
