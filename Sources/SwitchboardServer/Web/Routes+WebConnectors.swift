import Foundation
import Hummingbird
import SwitchboardCore

// The connectors page (admins): each connector's state as the dispatcher's gate and, for
// engines with a link of their own (modems), the link know it now: in rotation or cooling
// down, sends in flight against `max_in_flight`, sends in the last minute against
// `throughput`, outcomes since start, and the last error.

extension APIEnvironment {
    func connectorsPage(_ request: Request, _ context: Context) async throws -> Response {
        if let refused = try await refuseUnlessAdmin(request, context) { return refused }
        let now = Date()
        let rows = hub.dispatcher.connectorStatuses(now: now).map { status -> [String: Any] in
            let gate = status.gate
            var row: [String: Any] = [
                "name": status.name, "engine": status.engine, "channels": status.channels.map(\.rawValue).joined(separator: ", "),
                "inFlight": "\(gate.inFlight) / \(status.maxInFlight)", "waiting": "\(gate.waiting)",
                "lastMinute": "\(gate.sentLastMinute)", "sent": "\(gate.sent)", "failed": "\(gate.failed)",
                "limit": status.throughputLimit.map { web.texts["connectors_per_second"].replacingOccurrences(of: "{rate}", with: Self.rate($0)) }
                    ?? web.texts["connectors_unlimited"],
                "state": status.inRotation ? "up" : "down",
            ]
            if let seconds = gate.coolingDownFor {
                row["stateLabel"] = web.texts["connectors_cooling"].replacingOccurrences(of: "{seconds}", with: "\(Int(seconds.rounded(.up)))")
            } else if gate.probing {
                row["stateLabel"] = web.texts["connectors_probing"]
            } else {
                row["stateLabel"] = web.texts["connectors_in_rotation"]
            }
            if let link = status.link {
                row["link"] = ["label": web.texts[link.up ? "connectors_link_up" : "connectors_link_down"], "detail": link.detail, "up": link.up]
            }
            if let ownership = status.ownership {
                // A single-owner connector: which node runs it; on the others it is out of rotation.
                let label = Self.ownerLabel(ownership, node: hub.nodeID, texts: web.texts)
                if ownership.runsHere {
                    row["owner"] = ["label": label, "here": true]
                } else {
                    row["stateLabel"] = label
                }
            }
            if let error = gate.lastError, let at = gate.lastErrorAt {
                row["lastError"] = ["text": error, "at": Self.label(at), "atISO": at.formatted(Date.ISO8601FormatStyle())]
            }
            if let at = gate.lastSentAt { row["lastSent"] = ["at": Self.label(at), "atISO": at.formatted(Date.ISO8601FormatStyle())] }
            return row
        }
        let values: [String: Any] = ["rows": rows, "hasRows": !rows.isEmpty, "now": Self.label(now)]
        return try await render(
            WebPage(template: "connectors", title: web.texts["connectors_title"], page: "connectors", values: values),
            request,
            context
        )
    }

    /// Which node runs a single-owner connector, for people.
    static func ownerLabel(_ ownership: ConnectorStatus.Ownership, node: String, texts: WebTexts) -> String {
        if ownership.runsHere { return texts["connectors_runs_here"].replacingOccurrences(of: "{node}", with: node) }
        guard let holder = ownership.holder else { return texts["connectors_no_owner"] }
        return texts["connectors_not_here"].replacingOccurrences(of: "{node}", with: holder)
    }

    /// `2` as `2`, `0.5` as `0.5`: a configured rate as it was written.
    static func rate(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int(value))" : "\(value)"
    }
}
