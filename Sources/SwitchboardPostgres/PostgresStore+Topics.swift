import Foundation
import Logging
import PostgresNIO
import SwitchboardCore

/// Topic rows shared by every node: one table per topic, as the SQLite store keeps them,
/// each row numbered by `_seq`, the topic's revision at its insert. Every write bumps the
/// topic's revision first, which row-locks it until commit, so writes to one topic commit in
/// revision order whatever node makes them: a reader that has seen revision R has seen every
/// row numbered up to R, and later rows have higher numbers (the base for waking other nodes
/// with the revision and reading the rows above it). A topic with `durability: commit`
/// commits with `synchronous_commit = off` (atomic and visible at once, flushed by the next
/// flushing commit within the WAL writer's delay).
extension PostgresStore: TopicStore {
    package func prepareTopics(_ topics: [TopicDefinition]) async throws {
        let logger = logger
        try await transaction { connection in
            // Nodes starting together take turns; the second finds every table made.
            try await connection.execute(
                "SELECT pg_advisory_xact_lock(\(PostgresMigrator.lockKey), hashtext(current_schema() || '/topics'))",
                logger: logger
            )
            var problems: [ConfigProblem] = []
            for topic in topics { try await TopicPreparation(topic: topic, connection: connection, logger: logger).run(&problems) }
            if !problems.isEmpty { throw ConfigurationError(problems: problems) }
        }
    }

    package func insert(_ rows: [TopicRow], into topic: TopicDefinition, alert: TopicAlertRequest?) async throws -> [Result<TopicChange, any Error>] {
        try await insert(rows, into: topic, alert: alert, author: nil)
    }

    package func insert(
        _ rows: [TopicRow],
        into topic: TopicDefinition,
        alert: TopicAlertRequest?,
        author: TopicPrincipal?
    ) async throws -> [Result<TopicChange, any Error>] {
        guard !rows.isEmpty else { return [] }
        let channel = fanOutChannel
        let logger = logger
        return try await topicTransaction(topic) { connection in
            // Ids are random, so a duplicate is all but impossible: the batch at once, and only
            // if that fails row by row, each in its own savepoint.
            if rows.count > 1 {
                try await connection.execute("SAVEPOINT topic_batch", logger: logger)
                do {
                    let last = try await Self.bump(topic, by: rows.count, on: connection, logger: logger)
                    let first = last - Int64(rows.count) + 1
                    try await Self.insertRows(rows, firstSeq: first, into: topic, on: connection, logger: logger)
                    var changes: [Result<TopicChange, any Error>] = []
                    for (i, row) in rows.enumerated() {
                        let change = TopicChange(method: .post, row: row, revision: first + Int64(i))
                        changes.append(.success(try await Self.recordAlert(change, alert, topic, on: connection, logger: logger)))
                    }
                    try await Self.logChanges(changes.compactMap { try? $0.get() }, by: author, topic, channel, on: connection, logger: logger)
                    try await connection.execute("RELEASE SAVEPOINT topic_batch", logger: logger)
                    return changes
                } catch  where isUniqueViolation(error) {
                    try await connection.execute("ROLLBACK TO SAVEPOINT topic_batch", logger: logger)
                }
            }
            var results: [Result<TopicChange, any Error>] = []
            for row in rows {
                try await connection.execute("SAVEPOINT topic_row", logger: logger)
                do {
                    let revision = try await Self.bump(topic, by: 1, on: connection, logger: logger)
                    try await Self.insertRows([row], firstSeq: revision, into: topic, on: connection, logger: logger)
                    let change = try await Self.recordAlert(
                        TopicChange(method: .post, row: row, revision: revision),
                        alert,
                        topic,
                        on: connection,
                        logger: logger
                    )
                    try await Self.logChanges([change], by: author, topic, channel, on: connection, logger: logger)
                    results.append(.success(change))
                    try await connection.execute("RELEASE SAVEPOINT topic_row", logger: logger)
                } catch  where isUniqueViolation(error) {
                    try await connection.execute("ROLLBACK TO SAVEPOINT topic_row", logger: logger)
                    results.append(.failure(Self.duplicateTopicID))
                }
            }
            return results
        }
    }

    package func update(
        id: String,
        values: [String: TopicValue],
        onlyAuthor: String?,
        in topic: TopicDefinition,
        alert: TopicAlertRequest?
    ) async throws -> TopicChange {
        try await update(id: id, values: values, onlyAuthor: onlyAuthor, in: topic, alert: alert, author: nil)
    }

    package func update(
        id: String,
        values: [String: TopicValue],
        onlyAuthor: String?,
        in topic: TopicDefinition,
        alert: TopicAlertRequest?,
        author: TopicPrincipal?
    ) async throws -> TopicChange {
        let logger = logger
        let channel = fanOutChannel
        return try await topicTransaction(topic) { connection in
            let revision = try await Self.bump(topic, by: 1, on: connection, logger: logger)
            let old = try await Self.existing(id, onlyAuthor, topic, on: connection, logger: logger, verb: "change")
            let fields = values.keys.sorted()
            var binds = PostgresBindings()
            var assignments: [String] = []
            for field in fields {
                guard let column = topic.column(field) else {
                    throw TopicError.invalid("invalid_value", "topic '\(topic.name)' has no column '\(field)'")
                }
                try TopicRecords.bind(values[field] ?? .null, as: column.type, column: field, into: &binds)
                assignments.append("\(TopicRecords.quoted(field)) = $\(binds.count)")
            }
            binds.append(id)
            let sql = "UPDATE \(TopicRecords.quoted(topic.table)) SET \(assignments.joined(separator: ", ")) WHERE \"id\" = $\(binds.count)"
            if !assignments.isEmpty { try await connection.execute(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) }
            var row = old
            for (k, v) in values { row[k] = v }
            let change = TopicChange(method: .put, row: row, previous: old, revision: revision)
            try await Self.logChanges([change], by: author, topic, channel, on: connection, logger: logger)
            return try await Self.recordAlert(change, alert, topic, on: connection, logger: logger)
        }
    }

    package func delete(id: String, onlyAuthor: String?, in topic: TopicDefinition, alert: TopicAlertRequest?) async throws -> TopicChange {
        try await delete(id: id, onlyAuthor: onlyAuthor, in: topic, alert: alert, author: nil)
    }

    package func delete(
        id: String,
        onlyAuthor: String?,
        in topic: TopicDefinition,
        alert: TopicAlertRequest?,
        author: TopicPrincipal?
    ) async throws -> TopicChange {
        let logger = logger
        let channel = fanOutChannel
        return try await topicTransaction(topic) { connection in
            let revision = try await Self.bump(topic, by: 1, on: connection, logger: logger)
            let old = try await Self.existing(id, onlyAuthor, topic, on: connection, logger: logger, verb: "delete")
            try await connection.execute(
                PostgresQuery(unsafeSQL: "DELETE FROM \(TopicRecords.quoted(topic.table)) WHERE \"id\" = $1", binds: Self.binding(id)),
                logger: logger
            )
            let change = TopicChange(method: .delete, row: old, revision: revision)
            try await Self.logChanges([change], by: author, topic, channel, on: connection, logger: logger)
            return try await Self.recordAlert(change, alert, topic, on: connection, logger: logger)
        }
    }

    package func history(of topic: TopicDefinition, query: TopicQuery, limit: Int) async throws -> TopicHistory {
        let logger = logger
        let t = TopicRecords.quoted(topic.table)
        return try await transaction { connection in
            // One snapshot for the rows and the revision they reflect.
            try await connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            var clauses: [String] = []
            var binds = PostgresBindings()
            for filter in query.filters {
                let type = topic.column(filter.column)?.type ?? .text
                let c = TopicRecords.quoted(filter.column)
                switch filter.op {
                case .equal, .notEqual:
                    var marks: [String] = []
                    for value in filter.values {
                        try TopicRecords.bind(value, as: type, column: filter.column, into: &binds)
                        marks.append("$\(binds.count)")
                    }
                    clauses.append("\(c) \(filter.op == .equal ? "IN" : "NOT IN") (\(marks.joined(separator: ", ")))")
                case .contains:
                    for value in filter.values {
                        binds.append(value.text ?? "")
                        clauses.append("strpos(\(c)::text, $\(binds.count)) > 0")
                    }
                default:
                    for value in filter.values {
                        try TopicRecords.bind(value, as: type, column: filter.column, into: &binds)
                        clauses.append("\(c) \(filter.op.rawValue) $\(binds.count)")
                    }
                }
            }
            switch query.since {
            case .id(let id)?:
                let found = try await connection.rows(
                    PostgresQuery(unsafeSQL: "SELECT \"_seq\" FROM \(t) WHERE \"id\" = $1", binds: Self.binding(id)),
                    logger: logger
                )
                guard let seq = try found.first?[0].decode(Int64.self) else {
                    throw TopicError.invalid("invalid_filter", "_since: no message with id '\(id)'")
                }
                binds.append(seq)
                clauses.append("\"_seq\" > $\(binds.count)")
            case .time(let time)?:
                binds.append(time)
                clauses.append("\"timestamp\" > $\(binds.count)")
            case nil: break
            }
            let whereSQL = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            let newestFirst = query.since == nil
            binds.append(Int64(max(limit, 0)))
            let sql =
                "SELECT \(TopicRecords.columnList(topic)) FROM \(t)\(whereSQL) ORDER BY \"_seq\" \(newestFirst ? "DESC" : "ASC") LIMIT $\(binds.count)"
            var rows = try await connection.rows(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).map { try TopicRecords.row($0, topic) }
            if newestFirst { rows.reverse() }
            let revision = try await connection.rows(
                "SELECT revision FROM switchboard_topic_state WHERE tbl = \(topic.table)",
                logger: logger
            ).first?["revision"].decode(Int64.self)
            return TopicHistory(rows: rows, revision: revision ?? 0)
        }
    }

    // MARK: - Helpers

    static let duplicateTopicID = TopicError.invalid("duplicate_id", "a message with this id already exists")

    /// A topic write's transaction, at the topic's durability; a duplicate id is a clear error.
    private func topicTransaction<T: Sendable>(_ topic: TopicDefinition, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let logger = logger
        do {
            return try await transaction { connection in
                if topic.durability != .flush { try await connection.execute("SET LOCAL synchronous_commit = off", logger: logger) }
                return try await body(connection)
            }
        } catch  where isUniqueViolation(error) {
            throw Self.duplicateTopicID
        }
    }

    /// Advances the topic's revision by `count` writes (locking its state row until commit);
    /// returns the last one.
    private static func bump(_ topic: TopicDefinition, by count: Int, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        let rows = try await connection.rows(
            "UPDATE switchboard_topic_state SET revision = revision + \(Int64(count)) WHERE tbl = \(topic.table) RETURNING revision",
            logger: logger
        )
        guard let revision = try rows.first?["revision"].decode(Int64.self) else {
            throw TopicError.notFound("topic '\(topic.name)' has no table yet (the hub prepares it at start)")
        }
        return revision
    }

    /// Inserts rows numbered from `firstSeq`, as few statements as the bind limit allows.
    private static func insertRows(
        _ rows: [TopicRow],
        firstSeq: Int64,
        into topic: TopicDefinition,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let columns = topic.allColumns
        let perStatement = max(1, 30_000 / (columns.count + 1))
        var seq = firstSeq
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            var binds = PostgresBindings()
            var tuples: [String] = []
            for row in rows[start..<min(start + perStatement, rows.count)] {
                binds.append(seq)
                var marks = ["$\(binds.count)"]
                for column in columns {
                    try TopicRecords.bind(row[column.name], as: column.type, column: column.name, into: &binds)
                    marks.append("$\(binds.count)")
                }
                tuples.append("(\(marks.joined(separator: ", ")))")
                seq += 1
            }
            let sql =
                "INSERT INTO \(TopicRecords.quoted(topic.table)) (\"_seq\", \(TopicRecords.columnList(topic))) VALUES \(tuples.joined(separator: ", "))"
            try await connection.execute(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        }
    }

    private static func existing(
        _ id: String,
        _ onlyAuthor: String?,
        _ topic: TopicDefinition,
        on connection: PostgresConnection,
        logger: Logger,
        verb: String
    ) async throws -> TopicRow {
        let sql = "SELECT \(TopicRecords.columnList(topic)) FROM \(TopicRecords.quoted(topic.table)) WHERE \"id\" = $1"
        guard let raw = try await connection.rows(PostgresQuery(unsafeSQL: sql, binds: binding(id)), logger: logger).first else {
            throw TopicError.notFound("no message with id '\(id)' in topic '\(topic.name)'")
        }
        let row = try TopicRecords.row(raw, topic)
        if let onlyAuthor, row.user != onlyAuthor {
            throw TopicError.forbidden("only the author of a message or an admin may \(verb) it", code: "not_author")
        }
        return row
    }

    private static func binding(_ text: String) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(text)
        return binds
    }
}
