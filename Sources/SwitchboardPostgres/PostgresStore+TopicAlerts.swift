import Foundation
import Logging
import PostgresNIO
import SwitchboardCore

/// Topic alerts recorded in the transaction of their write: `switchboard_topic_alerts` keeps
/// the change as committed and who wrote it until the alert is in the outbox, so a crash
/// between the commit and the outbox leaves a row to recover, never a lost alert. The change
/// is kept as the same JSON the SQLite store keeps (every value with its type).
extension PostgresStore {
    /// The stored form of a change.
    struct StoredChange: Codable {
        var method: TopicMethod
        var row: TopicRow
        var previous: TopicRow?
        var revision: Int64
    }

    /// Records the alert of `change` (inside the write's transaction) and returns the change
    /// with its `alertID`.
    static func recordAlert(
        _ change: TopicChange,
        _ alert: TopicAlertRequest?,
        _ topic: TopicDefinition,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> TopicChange {
        guard let alert else { return change }
        let encoder = JSONEncoder()
        let stored = StoredChange(method: change.method, row: change.row, previous: change.previous, revision: change.revision)
        let changeJSON = String(decoding: try encoder.encode(stored), as: UTF8.self)
        let principalJSON = try alert.principal.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let rows = try await connection.rows(
            """
            INSERT INTO switchboard_topic_alerts (topic, change, principal, created_at)
            VALUES (\(topic.name), \(changeJSON), \(principalJSON), \(TopicTime.format(Date()))) RETURNING id
            """,
            logger: logger
        )
        var recorded = change
        recorded.alertID = try rows.first?["id"].decode(Int64.self)
        return recorded
    }

    package func pendingAlerts(after: Int64, limit: Int) async throws -> [TopicPendingAlert] {
        let decoder = JSONDecoder()
        return try await rows(
            "SELECT id, topic, change, principal FROM switchboard_topic_alerts WHERE id > \(after) ORDER BY id LIMIT \(Int64(max(limit, 0)))"
        ).map { row in
            let id = try row["id"].decode(Int64.self)
            let stored = try decoder.decode(StoredChange.self, from: Data(try row["change"].decode(String.self).utf8))
            let principal = try row["principal"].decode(String?.self).map { try decoder.decode(TopicPrincipal.self, from: Data($0.utf8)) }
            let change = TopicChange(method: stored.method, row: stored.row, previous: stored.previous, revision: stored.revision, alertID: id)
            return TopicPendingAlert(id: id, topic: try row["topic"].decode(String.self), change: change, principal: principal)
        }
    }

    package func clearAlert(_ id: Int64) async throws {
        try await changes("DELETE FROM switchboard_topic_alerts WHERE id = \(id)")
    }
}
