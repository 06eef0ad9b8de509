import Foundation

// Topic rows in memory: one table per topic with its revision, bumped by every write, and
// the alerts recorded with their writes. Rows are kept as the SQLite store keeps them
// (through the column's original affinity) and read back through the declared type, so a
// widened column (INTEGER → REAL) reads the same here as there.
extension MemoryStore: TopicStore {
    package func prepareTopics(_ topics: [TopicDefinition]) async throws {
        try transaction { state in
            var problems: [ConfigProblem] = []
            for topic in topics { state.prepare(topic, &problems) }
            if !problems.isEmpty { throw ConfigurationError(problems: problems) }
        }
    }

    package func insert(_ rows: [TopicRow], into topic: TopicDefinition, alert: TopicAlertRequest?) async throws -> [Result<TopicChange, any Error>] {
        try withState { state in
            var table = try state.table(of: topic)
            // Each row is kept or refused on its own; kept rows take consecutive revisions.
            let results = rows.map { row -> Result<TopicChange, any Error> in
                guard table.seqByID[row.id] == nil else {
                    return .failure(TopicError.invalid("duplicate_id", "a message with this id already exists"))
                }
                table.insert(row)
                table.revision += 1
                return .success(state.recordAlert(TopicChange(method: .post, row: row, revision: table.revision), alert, topic))
            }
            state.topicTables[topic.table.lowercased()] = table
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
        try withState { state in
            var table = try state.table(of: topic)
            let (seq, old) = try table.existing(id, onlyAuthor, topic, verb: "change")
            for name in values.keys where table.types[name] == nil {
                throw TopicError.invalid("unknown_column", "topic '\(topic.name)' has no column '\(name)'")
            }
            if let newID = values["id"]?.text, newID != id {
                guard table.seqByID[newID] == nil else { throw TopicError.invalid("duplicate_id", "a message with this id already exists") }
                table.seqByID[id] = nil
                table.seqByID[newID] = seq
            }
            for (name, value) in values {
                let stored = table.stored(value, in: name)
                table.rows[seq]?[name] = stored
            }
            table.revision += 1
            state.topicTables[topic.table.lowercased()] = table
            var row = old
            for (name, value) in values { row[name] = value }
            return state.recordAlert(TopicChange(method: .put, row: row, previous: old, revision: table.revision), alert, topic)
        }
    }

    package func delete(id: String, onlyAuthor: String?, in topic: TopicDefinition, alert: TopicAlertRequest?) async throws -> TopicChange {
        try withState { state in
            var table = try state.table(of: topic)
            let (seq, old) = try table.existing(id, onlyAuthor, topic, verb: "delete")
            table.rows[seq] = nil
            table.seqByID[id] = nil
            table.revision += 1
            state.topicTables[topic.table.lowercased()] = table
            return state.recordAlert(TopicChange(method: .delete, row: old, revision: table.revision), alert, topic)
        }
    }

    package func history(of topic: TopicDefinition, query: TopicQuery, limit: Int) async throws -> TopicHistory {
        try withState { state in
            let table = try state.table(of: topic)
            var after: Int64?
            var since: String?
            switch query.since {
            case .id(let id)?:
                guard let seq = table.seqByID[id] else { throw TopicError.invalid("invalid_filter", "_since: no message with id '\(id)'") }
                after = seq
            case .time(let time)?: since = time
            case nil: break
            }
            // The filters mean here what `TopicFilter.matches` means live, as SQL means it there.
            let seqs = table.rows.keys.sorted().filter { seq in
                guard after.map({ seq > $0 }) ?? true else { return false }
                let row = table.decoded(seq, topic)
                if let since, !(row["timestamp"].text.map({ since.precedesInBinaryOrder($0) }) ?? false) { return false }
                return query.filters.allSatisfy { $0.matches(row) }
            }
            // Without `since`: the newest `limit` rows; with it: the first `limit` after it. Oldest first.
            let picked = limit < 0 ? seqs[...] : (query.since == nil ? seqs.suffix(limit) : seqs.prefix(limit))
            return TopicHistory(rows: picked.map { table.decoded($0, topic) }, revision: table.revision)
        }
    }

    package func pendingAlerts(after: Int64, limit: Int) async throws -> [TopicPendingAlert] {
        try withState { state in
            let ids = state.topicAlerts.keys.filter { $0 > after }.sorted()
            return (limit < 0 ? ids[...] : ids.prefix(limit)).compactMap { state.topicAlerts[$0] }
        }
    }

    package func clearAlert(_ id: Int64) async throws {
        try withState { state in state.topicAlerts[id] = nil }
    }
}

extension MemoryStore.State {
    /// Creates a topic's table, or adds its new columns and records changed types, refusing
    /// (as a problem at the column's key path) a change that could lose values.
    mutating func prepare(_ topic: TopicDefinition, _ problems: inout [ConfigProblem]) {
        let key = topic.table.lowercased()
        guard var table = topicTables[key] else {
            var table = MemoryStore.TopicTable(types: [:], affinity: [:])
            for column in topic.allColumns { table.add(column) }
            topicTables[key] = table
            return
        }
        for column in topic.columns {
            guard let old = table.types[column.name] else {
                table.add(column)
                continue
            }
            if old == column.type { continue }
            let used = table.rows.values.filter { !$0[column.name].isNull }.count
            guard old.widens(to: column.type) || used == 0 else {
                problems.append(
                    ConfigProblem(
                        path: "topics.\(topic.name).columns.\(column.name)",
                        mark: nil,
                        message: """
                            cannot change column '\(column.name)' of table '\(topic.table)' from \(old.rawValue) to \(column.type.rawValue): \
                            \(used) existing value(s) could be lost; keep \(old.rawValue), add a new column, or migrate the table by hand
                            """
                    )
                )
                continue
            }
            // The type read through changes; the affinity values were stored with does not.
            table.types[column.name] = column.type
        }
        topicTables[key] = table
    }

    func table(of topic: TopicDefinition) throws -> MemoryStore.TopicTable {
        guard let table = topicTables[topic.table.lowercased()] else {
            throw TopicError(.unavailable, "unknown_topic", "topic '\(topic.name)' has no table; prepare the topics first")
        }
        return table
    }

    /// Records the alert of `change` with its write and returns the change with its `alertID`.
    mutating func recordAlert(_ change: TopicChange, _ alert: TopicAlertRequest?, _ topic: TopicDefinition) -> TopicChange {
        guard let alert else { return change }
        var recorded = change
        recorded.alertID = nextTopicAlertID
        nextTopicAlertID += 1
        topicAlerts[recorded.alertID!] = TopicPendingAlert(id: recorded.alertID!, topic: topic.name, change: recorded, principal: alert.principal)
        return recorded
    }
}

extension MemoryStore.TopicTable {
    mutating func add(_ column: TopicColumn) {
        types[column.name] = column.type
        affinity[column.name] = column.type.sqlType
    }

    mutating func insert(_ row: TopicRow) {
        var stored = TopicRow()
        for (name, value) in row.values where types[name] != nil { stored[name] = self.stored(value, in: name) }
        rows[nextSeq] = stored
        seqByID[row.id] = nextSeq
        nextSeq += 1
    }

    /// The row `id` as it reads now; `notFound`, or `forbidden/not_author` when only
    /// `onlyAuthor` may change it and it is someone else's.
    func existing(_ id: String, _ onlyAuthor: String?, _ topic: TopicDefinition, verb: String) throws(TopicError) -> (Int64, TopicRow) {
        guard let seq = seqByID[id] else { throw TopicError.notFound("no message with id '\(id)' in topic '\(topic.name)'") }
        let row = decoded(seq, topic)
        if let onlyAuthor, row.user != onlyAuthor {
            throw TopicError.forbidden("only the author of a message or an admin may \(verb) it", code: "not_author")
        }
        return (seq, row)
    }

    /// The row `seq` with the topic's columns, each read through its declared type.
    func decoded(_ seq: Int64, _ topic: TopicDefinition) -> TopicRow {
        var row = TopicRow()
        let stored = rows[seq] ?? TopicRow()
        for column in topic.allColumns {
            row.values[column.name] = Self.read(stored[column.name], as: types[column.name] ?? column.type)
        }
        return row
    }

    /// A value as a column of this affinity keeps it (SQLite's type affinity: booleans are
    /// integers, numbers in TEXT columns become text, numeric text in numeric columns a number).
    func stored(_ value: TopicValue, in column: String) -> TopicValue {
        var value = value
        if case .bool(let b) = value { value = .integer(b ? 1 : 0) }
        switch (affinity[column] ?? "TEXT", value) {
        case ("TEXT", .integer(let n)): return .text(String(n))
        case ("TEXT", .real(let d)): return .text(String(d))
        case ("INTEGER", .real(let d)) where d == d.rounded() && abs(d) < 9.2e18: return .integer(Int64(d))
        case ("REAL", .integer(let n)): return .real(Double(n))
        case ("INTEGER", .text(let s)), ("REAL", .text(let s)): return Self.number(s, real: affinity[column] == "REAL") ?? value
        default: return value
        }
    }

    /// Text that reads as a number, as SQLite converts it for a numeric column.
    static func number(_ text: String, real: Bool) -> TopicValue? {
        let s = text.trimmingCharacters(in: .whitespaces)
        guard !s.isEmpty, s.unicodeScalars.allSatisfy({ "0123456789+-.eE".unicodeScalars.contains($0) }) else { return nil }
        if let n = Int64(s) { return real ? .real(Double(n)) : .integer(n) }
        guard let d = Double(s) else { return nil }
        return !real && d == d.rounded() && abs(d) < 9.2e18 ? .integer(Int64(d)) : .real(d)
    }

    /// A stored value read back as `type`, as the SQLite store decodes a column.
    static func read(_ value: TopicValue, as type: TopicColumnType) -> TopicValue {
        switch value {
        case .integer(let n):
            switch type {
            case .boolean: .bool(n != 0)
            case .text, .timestamp: .text(String(n))
            case .real: .real(Double(n))
            case .integer: .integer(n)
            }
        case .real(let d): type == .text ? .text(String(d)) : (type == .boolean ? .bool(d != 0) : .real(d))
        default: value
        }
    }
}
