import Foundation
import Hummingbird
import SwitchboardCore

// The configuration page (admins): the loaded configuration, read-only — the server's
// address, connectors with their engine keys, channels and their routes, forwarding rules,
// keyword replies, responders, topics and the dispatcher — never a secret (`ConfigRedaction`).

extension APIEnvironment {
    func configPage(_ request: Request, _ context: Context) async throws -> Response {
        if let refused = try await refuseUnlessAdmin(request, context) { return refused }
        let c = hub.configuration
        let server: [(String, String)] = [
            ("host", c.server.host), ("port", "\(c.server.port)"),
            ("allowed_origins", c.server.allowedOrigins.isEmpty ? "-" : c.server.allowedOrigins.joined(separator: ", ")),
            ("secure_cookies", "\(c.server.secureCookies)"), ("session_ttl", Self.describe(c.server.sessionTTL)),
            ("max_body_bytes", "\(c.server.maxBodyBytes)"), ("admin.password_env", ConfigRedaction.value(key: "password_env", c.admin.passwordEnv)),
        ]
        let connectors = c.connectors.map { settings -> [String: Any] in
            let gate = settings.dispatch.gate
            var rows: [(String, String)] = [
                ("engine", settings.engine), ("channels", settings.channels.map(\.rawValue).joined(separator: ", ")),
                ("max_in_flight", "\(gate.maxInFlight)"), ("throughput", gate.throughput.map { Self.rate($0) } ?? "-"),
                ("failure_threshold", "\(gate.failureThreshold)"), ("cooldown", Self.describe(gate.cooldown)),
            ]
            if settings.dispatch.permanentErrorsAreTransient { rows.append(("permanent_errors_as_transient", "true")) }
            rows += ConfigRedaction.rows(settings.settings).map { ($0.key, $0.value) }
            return ["name": settings.name, "rows": Self.pairs(rows)]
        }
        let channels = c.channels.keys.sorted { $0.rawValue < $1.rawValue }.map { name -> [String: Any] in
            let channel = c.channels[name]!
            var rows: [(String, String)] = [("route", channel.route.joined(separator: " → ")), ("strategy", channel.strategy.rawValue)]
            if let retry = channel.retry {
                rows.append(("retry", "\(Self.describe(retry.delay)) × \(retry.factor), \(web.texts["config_at_most"]) \(retry.limit)"))
            }
            rows.append(("at_limit", channel.atLimit.rawValue))
            if let age = channel.autocancelAfter { rows.append(("autocancel", Self.describe(age))) }
            if let fallback = channel.fallback { rows.append(("fallback", fallback.rawValue)) }
            if let packing = channel.packing { rows.append(("packing", "\(packing.mode), max_parts \(packing.maxParts)")) }
            return ["name": name.rawValue, "rows": Self.pairs(rows)]
        }
        let dispatcher: [(String, String)] = [
            ("workers", "\(c.dispatcher.workers)"), ("lease", Self.describe(c.dispatcher.lease)),
            ("retry", "\(Self.describe(c.dispatcher.retryDelay)) × \(c.dispatcher.retryFactor), max \(Self.describe(c.dispatcher.retryMaxDelay))"),
            ("retry_limit", "\(c.dispatcher.retryLimit)"), ("shutdown_grace", Self.describe(c.dispatcher.shutdownGrace)),
        ]
        let values: [String: Any] = [
            "tabs": adminTabs(current: "admin-config"),
            "server": Self.pairs(server),
            "connectors": connectors,
            "channels": channels,
            "forwarding": c.forwarding.map { rule -> [String: Any] in
                [
                    "connector": rule.connector ?? "*", "keyword": rule.keyword ?? "*", "to": rule.to.map(\.description).joined(separator: ", "),
                    "prefix": rule.prefix,
                ]
            },
            "autoReplies": c.autoReplies.map { ["keyword": $0.keyword, "reply": $0.reply, "keep": $0.keepInInbox ? "✓" : ""] },
            "responders": c.responders.map { r -> [String: Any] in
                ["name": r.name, "keywords": r.keywords.joined(separator: ", "), "summary": r.summary, "steps": "\(r.steps.count)"]
            },
            "topics": c.topics.map { ["name": $0.name, "path": $0.path, "columns": $0.columns.map(\.name).joined(separator: ", ")] },
            "dispatcher": Self.pairs(dispatcher),
            "hasForwarding": !c.forwarding.isEmpty, "hasAutoReplies": !c.autoReplies.isEmpty, "hasResponders": !c.responders.isEmpty,
            "hasTopics": !c.topics.isEmpty, "hasTabs": true,
        ]
        return try await render(
            WebPage(template: "admin-config", title: web.texts["admin_config_title"], page: "admin-config", values: values),
            request,
            context
        )
    }

    static func pairs(_ rows: [(String, String)]) -> [[String: String]] {
        rows.map { ["key": $0.0, "value": $0.1] }
    }
}
