import Foundation
import Logging
import PostgresNIO
import SwitchboardCore

// Topic changes shared between nodes: each write's transaction records its changes in
// `switchboard_topic_changes` (the same JSON the alerts keep, and the writer) and notifies
// the fan-out channel with the topic's table and revision only; every node's
// `PostgresFanOutListener` hears it at commit and its topic hub reads the changes above what
// it handed on (`changes(of:after:limit:)`).
extension PostgresStore: TopicChangeLog {
    package func topicRevisions() async throws -> [String: Int64] {
        var revisions: [String: Int64] = [:]
        for row in try await rows("SELECT tbl, revision FROM switchboard_topic_state") {
            revisions[try row["tbl"].decode(String.self)] = try row["revision"].decode(Int64.self)
        }
        return revisions
    }

    package func changes(of topic: TopicDefinition, after: Int64, limit: Int) async throws -> TopicChangeBatch {
        let logger = logger
        return try await transaction { connection in
            // One snapshot for the changes and the revision they reach.
            try await connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            let decoder = JSONDecoder()
            let entries = try await connection.rows(
                """
                SELECT change, author FROM switchboard_topic_changes
                WHERE tbl = \(topic.table) AND revision > \(after) ORDER BY revision LIMIT \(Int64(max(limit, 0)))
                """,
                logger: logger
            ).map { row in
                let stored = try decoder.decode(StoredChange.self, from: Data(try row["change"].decode(String.self).utf8))
                let author = try row["author"].decode(String?.self).map { try decoder.decode(TopicPrincipal.self, from: Data($0.utf8)) }
                let change = TopicChange(method: stored.method, row: stored.row, previous: stored.previous, revision: stored.revision)
                return TopicChangeBatch.Entry(change: change, author: author)
            }
            let revision = try await connection.rows(
                "SELECT revision FROM switchboard_topic_state WHERE tbl = \(topic.table)",
                logger: logger
            ).first?["revision"].decode(Int64.self)
            return TopicChangeBatch(entries: entries, revision: revision ?? 0)
        }
    }

    /// Records `changes` (one statement) and notifies the fan-out channel with the topic's
    /// table and last revision; both take effect at commit, and neither if it rolls back.
    static func logChanges(
        _ changes: [TopicChange],
        by author: TopicPrincipal?,
        _ topic: TopicDefinition,
        _ channel: String,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        guard let last = changes.map(\.revision).max() else { return }
        let encoder = JSONEncoder()
        var revisions: [Int64] = []
        var texts: [String] = []
        for change in changes {
            let stored = StoredChange(method: change.method, row: change.row, previous: change.previous, revision: change.revision)
            revisions.append(change.revision)
            texts.append(String(decoding: try encoder.encode(stored), as: UTF8.self))
        }
        let authorJSON = try author.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let payload = PostgresFanOutListener.topicPayload(table: topic.table, revision: last)
        try await connection.execute(
            """
            WITH logged AS (
                INSERT INTO switchboard_topic_changes (tbl, revision, change, author)
                SELECT \(topic.table), r, c, \(authorJSON) FROM unnest(\(revisions)::bigint[], \(texts)::text[]) AS u(r, c)
                RETURNING 1
            )
            SELECT pg_notify(\(channel), \(payload)) FROM (SELECT count(*) FROM logged) AS n
            """,
            logger: logger
        )
    }

    /// Forgets changes older than `retention` seconds (by the database's clock); returns how many.
    @discardableResult
    package func pruneTopicChanges(olderThan retention: TimeInterval) async throws -> Int {
        try await changes("DELETE FROM switchboard_topic_changes WHERE created_at < now() - \(retention) * interval '1 second'")
    }
}
