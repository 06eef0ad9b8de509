import Foundation
import GRDB
import SwitchboardCore

/// A row of `status_changes`: one operator's or sweeper's move of a delivery, kept so that
/// "who cancelled this, and why" has an answer. The integer `id` keeps them in the order made.
struct StatusChangeRow: FetchableRecord, PersistableRecord {
    static let databaseTableName = "status_changes"
    var change: StatusChange

    init(_ change: StatusChange) { self.change = change }

    init(row: Row) throws {
        let t = Self.databaseTableName
        change = StatusChange(
            deliveryID: try row.decode(forColumn: "delivery_id"),
            from: try row.decodeEnum(DeliveryStatus.self, forColumn: "from_status", table: t),
            to: try row.decodeEnum(DeliveryStatus.self, forColumn: "to_status", table: t),
            reason: try row.decode(forColumn: "reason"),
            actor: try row.decode(forColumn: "actor"),
            at: SQLDate.decode(try row.decode(Double.self, forColumn: "at"))
        )
    }

    func encode(to container: inout PersistenceContainer) {
        container["delivery_id"] = change.deliveryID
        container["from_status"] = change.from.rawValue
        container["to_status"] = change.to.rawValue
        container["reason"] = change.reason
        container["actor"] = change.actor
        container["at"] = SQLDate.encode(change.at)
    }
}

/// SQL fragments built from Core's enums, never from input: the texts are the enums' own
/// raw values, so they cannot carry anything a caller typed.
enum QueueSQL {
    /// Statuses a recipient is still waiting on.
    static let pendingStatuses: [DeliveryStatus] = [.queued, .sending, .held]

    /// `('queued', 'held')` for a constant `IN` list.
    static func list(_ statuses: [DeliveryStatus]) -> String {
        "(" + statuses.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"
    }

    /// Severity is stored as its name; this turns `m.severity` into `Severity.rank` so SQL
    /// orders `critical` above `warning` (alphabetical order would not). Built from
    /// `Severity.allCases`, so a new severity is ranked without a migration.
    static let severityRank: String =
        "CASE m.severity " + Severity.allCases.map { "WHEN '\($0.rawValue)' THEN \($0.rank)" }.joined(separator: " ") + " ELSE -1 END"
}
