import Foundation
import GRDB
import SwitchboardCore

/// Topic alerts recorded in the transaction of their write: `switchboard_topic_alerts`
/// keeps the change as committed and who wrote it until the alert is in the outbox, so a
/// crash between the commit and the outbox leaves a row to recover, never a lost alert.
extension SQLiteStore {
    /// The stored form of a change: Codable, so every value keeps its type.
    struct StoredChange: Codable {
        var method: TopicMethod
        var row: TopicRow
        var previous: TopicRow?
        var revision: Int64
    }

    /// Records the alert of `change` (inside the write's transaction) and returns the change with its `alertID`.
    static func recordAlert(_ change: TopicChange, _ alert: TopicAlertRequest?, _ topic: TopicDefinition, _ db: Database) throws -> TopicChange {
        guard let alert else { return change }
        let encoder = JSONEncoder()
        let stored = StoredChange(method: change.method, row: change.row, previous: change.previous, revision: change.revision)
        let changeJSON = String(decoding: try encoder.encode(stored), as: UTF8.self)
        let principalJSON = try alert.principal.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try db.cachedStatement(sql: "INSERT INTO switchboard_topic_alerts (topic, change, principal, created_at) VALUES (?, ?, ?, ?)")
            .execute(arguments: [topic.name, changeJSON, principalJSON, TopicTime.format(Date())])
        var recorded = change
        recorded.alertID = db.lastInsertedRowID
        return recorded
    }

    package func pendingAlerts(after: Int64, limit: Int) async throws -> [TopicPendingAlert] {
        try await read { db in
            guard try db.tableExists("switchboard_topic_alerts") else { return [] }
            let decoder = JSONDecoder()
            return try Row.fetchAll(
                db,
                sql: "SELECT id, topic, change, principal FROM switchboard_topic_alerts WHERE id > ? ORDER BY id LIMIT ?",
                arguments: [after, limit]
            ).map { row in
                let id: Int64 = row["id"]
                let stored = try decoder.decode(StoredChange.self, from: Data((row["change"] as String).utf8))
                let principal = try (row["principal"] as String?).map { try decoder.decode(TopicPrincipal.self, from: Data($0.utf8)) }
                let change = TopicChange(method: stored.method, row: stored.row, previous: stored.previous, revision: stored.revision, alertID: id)
                return TopicPendingAlert(id: id, topic: row["topic"], change: change, principal: principal)
            }
        }
    }

    package func clearAlert(_ id: Int64) async throws {
        try await commits.write { db in
            try db.execute(sql: "DELETE FROM switchboard_topic_alerts WHERE id = ?", arguments: [id])
        }
    }
}
