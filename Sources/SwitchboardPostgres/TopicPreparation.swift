import Foundation
import Logging
import PostgresNIO
import SwitchboardCore

/// Makes or extends one topic's table, inside `prepareTopics`' transaction (under its
/// advisory lock, so nodes starting together take turns), as the SQLite store does: a new
/// topic gets its table; a new column is added; a column's type changes only when no value
/// can be lost (a widening, or no value stored), otherwise a problem names it.
struct TopicPreparation {
    var topic: TopicDefinition
    var connection: PostgresConnection
    var logger: Logger

    func run(_ problems: inout [ConfigProblem]) async throws {
        let table = topic.table
        let t = TopicRecords.quoted(table)
        let exists = try await !connection.rows(
            """
            SELECT 1 FROM information_schema.tables
            WHERE table_schema = current_schema() AND lower(table_name) = lower(\(table))
            """,
            logger: logger
        ).isEmpty
        var known: [String: String] = [:]
        for row in try await connection.rows("SELECT col, type FROM switchboard_topic_columns WHERE tbl = \(table)", logger: logger) {
            known[try row["col"].decode(String.self)] = try row["type"].decode(String.self)
        }
        // A topic table is one this store made: it has a state row (every prepare writes one).
        let hasState = try await !connection.rows("SELECT 1 FROM switchboard_topic_state WHERE tbl = \(table)", logger: logger).isEmpty
        if !exists {
            let columns = topic.columns.map { ", \(TopicRecords.quoted($0.name)) \(TopicRecords.sqlType($0.type))" }.joined()
            try await execute(
                """
                CREATE TABLE \(t) ("_seq" BIGINT NOT NULL UNIQUE, "id" TEXT COLLATE "C" NOT NULL UNIQUE, "user" TEXT COLLATE "C",
                                   "timestamp" TEXT COLLATE "C" NOT NULL\(columns))
                """
            )
            try await execute("CREATE INDEX \(TopicRecords.quoted(table + "_timestamp")) ON \(t) (\"timestamp\")")
            try await connection.execute("DELETE FROM switchboard_topic_columns WHERE tbl = \(table)", logger: logger)
            for column in topic.columns { try await record(column) }
        } else if !hasState && known.isEmpty {
            problems.append(
                ConfigProblem(
                    path: "topics.\(topic.name).table",
                    mark: nil,
                    message: "table '\(table)' already exists in the database and is not a topic table; choose another table name"
                )
            )
            return
        } else {
            for column in topic.columns {
                let c = TopicRecords.quoted(column.name)
                guard let old = known[column.name].flatMap(TopicColumnType.init(rawValue:)) else {
                    try await execute("ALTER TABLE \(t) ADD COLUMN \(c) \(TopicRecords.sqlType(column.type))")
                    try await record(column)
                    continue
                }
                if old == column.type { continue }
                let counted = try await connection.rows(PostgresQuery(unsafeSQL: "SELECT count(\(c)) AS used FROM \(t)"), logger: logger)
                let used = try counted.first?["used"].decode(Int64.self) ?? 0
                guard old.widens(to: column.type) || used == 0 else {
                    problems.append(
                        ConfigProblem(
                            path: "topics.\(topic.name).columns.\(column.name)",
                            mark: nil,
                            message: """
                                cannot change column '\(column.name)' of table '\(table)' from \(old.rawValue) to \(column.type.rawValue): \
                                \(used) existing value(s) could be lost; keep \(old.rawValue), add a new column, or migrate the table by hand
                                """
                        )
                    )
                    continue
                }
                if TopicRecords.sqlType(old) != TopicRecords.sqlType(column.type) {
                    let using = TopicRecords.conversion(column.name, from: old, to: column.type)
                    try await execute("ALTER TABLE \(t) ALTER COLUMN \(c) TYPE \(TopicRecords.sqlType(column.type)) USING \(using)")
                }
                try await record(column)
            }
        }
        try await connection.execute(
            "INSERT INTO switchboard_topic_state (tbl, revision) VALUES (\(table), 0) ON CONFLICT DO NOTHING",
            logger: logger
        )
    }

    private func record(_ column: TopicColumn) async throws {
        try await connection.execute(
            """
            INSERT INTO switchboard_topic_columns (tbl, col, type) VALUES (\(topic.table), \(column.name), \(column.type.rawValue))
            ON CONFLICT (tbl, col) DO UPDATE SET type = EXCLUDED.type
            """,
            logger: logger
        )
    }

    /// DDL built from quoted configuration identifiers (never from values).
    private func execute(_ sql: String) async throws {
        try await connection.execute(PostgresQuery(unsafeSQL: sql), logger: logger)
    }
}
