import Foundation
import GRDB
import SwitchboardCore

/// Topic rows in the hub's own SQLite file: one table per topic, written through the same
/// group commit as the outbox, so a topic message costs a share of one flush.
///
/// Each table has a hidden `_seq` (insertion order, for history and `_since`), `id`, `user`,
/// `timestamp` and the configured columns. `switchboard_topic_columns` remembers each
/// column's declared type (SQLite cannot tell BOOLEAN from INTEGER); `switchboard_topic_state`
/// holds each table's revision, bumped in the same transaction as every write. Names in SQL
/// text come only from validated configuration identifiers, always quoted; values are bound.
extension SQLiteStore: TopicStore {
    package func prepareTopics(_ topics: [TopicDefinition]) async throws {
        // The bookkeeping tables come from the migrator (`v12-topic-tables`); the topic tables
        // follow the configuration, so they are made here.
        try await writer.write { db in
            var problems: [ConfigProblem] = []
            for topic in topics { try Self.prepare(topic, db, &problems) }
            if !problems.isEmpty { throw ConfigurationError(problems: problems) }
        }
    }

    static func prepare(_ topic: TopicDefinition, _ db: Database, _ problems: inout [ConfigProblem]) throws {
        let t = quoted(topic.table)
        let exists =
            try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE)",
                arguments: [topic.table]
            ) ?? false
        let known = try [String: String](
            Row.fetchAll(db, sql: "SELECT col, type FROM switchboard_topic_columns WHERE tbl = ?", arguments: [topic.table])
                .map { ($0["col"] as String, $0["type"] as String) },
            uniquingKeysWith: { a, _ in a }
        )
        // A topic table is one this store made: it has a state row (every prepare writes
        // one), and columns recorded unless the topic declares none.
        let hasState =
            try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS (SELECT 1 FROM switchboard_topic_state WHERE tbl = ?)",
                arguments: [topic.table]
            ) ?? false
        let isTopic = hasState || !known.isEmpty
        if !exists {
            let columns = topic.columns.map { ", \(quoted($0.name)) \($0.type.sqlType)" }.joined()
            try db.execute(
                sql: """
                    CREATE TABLE \(t) ("_seq" INTEGER PRIMARY KEY AUTOINCREMENT, "id" TEXT NOT NULL UNIQUE, "user" TEXT,
                                       "timestamp" TEXT NOT NULL\(columns));
                    CREATE INDEX \(quoted(topic.table + "_timestamp")) ON \(t) ("timestamp");
                    """
            )
            try db.execute(sql: "DELETE FROM switchboard_topic_columns WHERE tbl = ?", arguments: [topic.table])
            for c in topic.columns { try record(c, topic, db) }
        } else if !isTopic {
            problems.append(
                ConfigProblem(
                    path: "topics.\(topic.name).table",
                    mark: nil,
                    message: "table '\(topic.table)' already exists in the database and is not a topic table; choose another table name"
                )
            )
            return
        } else {
            for c in topic.columns {
                let path = "topics.\(topic.name).columns.\(c.name)"
                guard let old = known[c.name].flatMap(TopicColumnType.init(rawValue:)) else {
                    try db.execute(sql: "ALTER TABLE \(t) ADD COLUMN \(quoted(c.name)) \(c.type.sqlType)")
                    try record(c, topic, db)
                    continue
                }
                if old == c.type { continue }
                let used = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(t) WHERE \(quoted(c.name)) IS NOT NULL") ?? 0
                guard old.widens(to: c.type) || used == 0 else {
                    problems.append(
                        ConfigProblem(
                            path: path,
                            mark: nil,
                            message: """
                                cannot change column '\(c.name)' of table '\(topic.table)' from \(old.rawValue) to \(c.type.rawValue): \
                                \(used) existing value(s) could be lost; keep \(old.rawValue), add a new column, or migrate the table by hand
                                """
                        )
                    )
                    continue
                }
                try record(c, topic, db)
            }
        }
        try db.execute(sql: "INSERT OR IGNORE INTO switchboard_topic_state (tbl, revision) VALUES (?, 0)", arguments: [topic.table])
    }

    static func record(_ c: TopicColumn, _ topic: TopicDefinition, _ db: Database) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO switchboard_topic_columns (tbl, col, type) VALUES (?, ?, ?)",
            arguments: [topic.table, c.name, c.type.rawValue]
        )
    }

    package func insert(_ rows: [TopicRow], into topic: TopicDefinition, alert: TopicAlertRequest?) async throws -> [Result<TopicChange, any Error>] {
        try await commits.write(durable: topic.durability == .flush) { db in
            let columns = topic.allColumns
            let sql =
                "INSERT INTO \(Self.quoted(topic.table)) (\(columns.map { Self.quoted($0.name) }.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
            let statement = try db.cachedStatement(sql: sql)
            func insert(_ row: TopicRow) throws {
                try statement.execute(arguments: StatementArguments(columns.map { Self.bind(row[$0.name]) as DatabaseValue }))
            }
            // Ids are random, so a duplicate is all but impossible: insert the batch at once with
            // one revision bump, and only if that fails go row by row, each in its own savepoint.
            if rows.count > 1 {
                var changes: [TopicChange] = []
                do {
                    try db.inSavepoint {
                        for row in rows { try insert(row) }
                        let last = try Self.bump(topic, db, by: Int64(rows.count))
                        changes = try rows.enumerated().map { i, row in
                            try Self.recordAlert(TopicChange(method: .post, row: row, revision: last - Int64(rows.count - 1 - i)), alert, topic, db)
                        }
                        return .commit
                    }
                    return changes.map { .success($0) }
                } catch let error as DatabaseError where error.isDuplicate {}
            }
            // Row by row (a single row, or a batch with a duplicate). A statement whose step
            // failed reports that failure again on its next use, so in a batch each row gets a
            // fresh statement (a rare path: ids are random).
            var results: [Result<TopicChange, any Error>] = []
            results.reserveCapacity(rows.count)
            for row in rows {
                do {
                    var change: TopicChange?
                    try db.inSavepoint {
                        if rows.count == 1 {
                            try insert(row)
                        } else {
                            try db.makeStatement(sql: sql).execute(
                                arguments: StatementArguments(columns.map { Self.bind(row[$0.name]) as DatabaseValue })
                            )
                        }
                        change = try Self.recordAlert(TopicChange(method: .post, row: row, revision: try Self.bump(topic, db)), alert, topic, db)
                        return .commit
                    }
                    results.append(.success(change!))
                } catch let error as DatabaseError where error.isDuplicate {
                    results.append(.failure(TopicError.invalid("duplicate_id", "a message with this id already exists")))
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
        try await topicWrite(topic) { db in
            let old = try Self.existing(id, onlyAuthor, topic, db, verb: "change")
            let fields = values.keys.sorted()
            let sql = "UPDATE \(Self.quoted(topic.table)) SET \(fields.map { "\(Self.quoted($0)) = ?" }.joined(separator: ", ")) WHERE \"id\" = ?"
            try db.execute(sql: sql, arguments: StatementArguments(fields.map { Self.bind(values[$0]!) } + [id.databaseValue]))
            var row = old
            for (k, v) in values { row[k] = v }
            return try Self.recordAlert(TopicChange(method: .put, row: row, previous: old, revision: try Self.bump(topic, db)), alert, topic, db)
        }
    }

    package func delete(id: String, onlyAuthor: String?, in topic: TopicDefinition, alert: TopicAlertRequest?) async throws -> TopicChange {
        try await topicWrite(topic) { db in
            let old = try Self.existing(id, onlyAuthor, topic, db, verb: "delete")
            try db.execute(sql: "DELETE FROM \(Self.quoted(topic.table)) WHERE \"id\" = ?", arguments: [id])
            return try Self.recordAlert(TopicChange(method: .delete, row: old, revision: try Self.bump(topic, db)), alert, topic, db)
        }
    }

    package func history(of topic: TopicDefinition, query: TopicQuery, limit: Int) async throws -> TopicHistory {
        try await read { db in
            var clauses: [String] = []
            var args: [DatabaseValue] = []
            for f in query.filters {
                let c = Self.quoted(f.column)
                switch f.op {
                case .equal, .notEqual:
                    clauses.append(
                        "\(c) \(f.op == .equal ? "IN" : "NOT IN") (\(Array(repeating: "?", count: f.values.count).joined(separator: ", ")))"
                    )
                    args += f.values.map(Self.bind)
                case .contains:
                    for v in f.values {
                        clauses.append("instr(\(c), ?) > 0")
                        args.append((v.text ?? "").databaseValue)
                    }
                default:
                    for v in f.values {
                        clauses.append("\(c) \(f.op.rawValue) ?")
                        args.append(Self.bind(v))
                    }
                }
            }
            let t = Self.quoted(topic.table)
            switch query.since {
            case .id(let id)?:
                guard let seq = try Int64.fetchOne(db, sql: "SELECT \"_seq\" FROM \(t) WHERE \"id\" = ?", arguments: [id]) else {
                    throw TopicError.invalid("invalid_filter", "_since: no message with id '\(id)'")
                }
                clauses.append("\"_seq\" > ?")
                args.append(seq.databaseValue)
            case .time(let time)?:
                clauses.append("\"timestamp\" > ?")
                args.append(time.databaseValue)
            case nil: break
            }
            let columns = topic.allColumns.map { Self.quoted($0.name) }.joined(separator: ", ")
            let whereSQL = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            let newestFirst = query.since == nil
            let sql = "SELECT \(columns) FROM \(t)\(whereSQL) ORDER BY \"_seq\" \(newestFirst ? "DESC" : "ASC") LIMIT ?"
            args.append(limit.databaseValue)
            var rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { Self.decode($0, topic) }
            if newestFirst { rows.reverse() }
            let revision = try Int64.fetchOne(db, sql: "SELECT revision FROM switchboard_topic_state WHERE tbl = ?", arguments: [topic.table]) ?? 0
            return TopicHistory(rows: rows, revision: revision)
        }
    }

    // MARK: - Helpers

    /// Runs a topic write through the group commit, turning a duplicate id into a clear error.
    func topicWrite(_ topic: TopicDefinition, _ body: @escaping @Sendable (Database) throws -> TopicChange) async throws -> TopicChange {
        do {
            return try await commits.write(durable: topic.durability == .flush, body)
        } catch let error as DatabaseError where error.isDuplicate {
            throw TopicError.invalid("duplicate_id", "a message with this id already exists")
        }
    }

    static func existing(_ id: String, _ onlyAuthor: String?, _ topic: TopicDefinition, _ db: Database, verb: String) throws -> TopicRow {
        let columns = topic.allColumns.map { quoted($0.name) }.joined(separator: ", ")
        guard let raw = try Row.fetchOne(db, sql: "SELECT \(columns) FROM \(quoted(topic.table)) WHERE \"id\" = ?", arguments: [id]) else {
            throw TopicError.notFound("no message with id '\(id)' in topic '\(topic.name)'")
        }
        let row = decode(raw, topic)
        if let onlyAuthor, row.user != onlyAuthor {
            throw TopicError.forbidden("only the author of a message or an admin may \(verb) it", code: "not_author")
        }
        return row
    }

    /// Advances the topic's revision by `count` writes; returns the last one.
    static func bump(_ topic: TopicDefinition, _ db: Database, by count: Int64 = 1) throws -> Int64 {
        try Int64.fetchOne(
            db.cachedStatement(sql: "UPDATE switchboard_topic_state SET revision = revision + ? WHERE tbl = ? RETURNING revision"),
            arguments: [count, topic.table]
        ) ?? 0
    }

    static func quoted(_ identifier: String) -> String {
        identifier.utf8.contains(0x22) ? "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : "\"" + identifier + "\""
    }

    static func bind(_ v: TopicValue) -> DatabaseValue {
        switch v {
        case .null: .null
        case .text(let s): s.databaseValue
        case .integer(let i): i.databaseValue
        case .real(let d): d.databaseValue
        case .bool(let b): (b ? Int64(1) : Int64(0)).databaseValue
        }
    }

    static func decode(_ raw: Row, _ topic: TopicDefinition) -> TopicRow {
        var row = TopicRow()
        for (i, c) in topic.allColumns.enumerated() {
            let v = raw[i] as DatabaseValue
            let value: TopicValue
            switch v.storage {
            case .null: value = .null
            case .int64(let n):
                switch c.type {
                case .boolean: value = .bool(n != 0)
                case .text, .timestamp: value = .text(String(n))
                case .real: value = .real(Double(n))
                case .integer: value = .integer(n)
                }
            case .double(let d): value = c.type == .text ? .text(String(d)) : (c.type == .boolean ? .bool(d != 0) : .real(d))
            case .string(let s): value = .text(s)
            case .blob(let b): value = .text(String(decoding: b, as: UTF8.self))
            }
            row.values[c.name] = value
        }
        return row
    }
}
