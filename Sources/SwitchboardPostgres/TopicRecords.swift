import Foundation
import PostgresNIO
import SwitchboardCore

/// How topic values live in PostgreSQL columns: each column in its own type (`TEXT COLLATE
/// "C"` so text compares by code point as the live filters do, `BIGINT`, `DOUBLE PRECISION`,
/// `BOOLEAN`), values bound in the column's type, and read back as `TopicValue`s of that type,
/// as the SQLite store reads them. Names in SQL text come only from validated configuration
/// identifiers and are always quoted.
enum TopicRecords {
    static func sqlType(_ type: TopicColumnType) -> String {
        switch type {
        case .text, .timestamp: "TEXT COLLATE \"C\""
        case .integer: "BIGINT"
        case .real: "DOUBLE PRECISION"
        case .boolean: "BOOLEAN"
        }
    }

    /// The expression that converts a column of `old` type into `new` (a widening, or an
    /// empty column); booleans become 0/1 first, as SQLite keeps them.
    static func conversion(_ column: String, from old: TopicColumnType, to new: TopicColumnType) -> String {
        let c = quoted(column)
        let source = old == .boolean && new != .boolean ? "\(c)::integer" : c
        switch new {
        case .text, .timestamp: return "\(source)::text"
        case .integer: return "\(source)::bigint"
        case .real: return "\(source)::double precision"
        case .boolean: return "NULL::boolean"
        }
    }

    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Binds `value` as `type`'s column holds it; a value that cannot be one is refused by
    /// name rather than stored as something else.
    static func bind(_ value: TopicValue, as type: TopicColumnType, column: String, into binds: inout PostgresBindings) throws {
        func refuse() -> TopicError {
            TopicError.invalid("invalid_value", "column '\(column)' is \(type.rawValue); '\(value.text ?? "")' is not")
        }
        switch (type, value) {
        case (_, .null): binds.appendNull()
        case (.text, _), (.timestamp, _):
            switch value {
            case .bool(let b): binds.append(b ? "1" : "0")
            default: binds.append(value.text ?? "")
            }
        case (.integer, .integer(let n)): binds.append(n)
        case (.integer, .bool(let b)): binds.append(Int64(b ? 1 : 0))
        case (.integer, .real(let d)):
            guard let n = Int64(exactly: d) else { throw refuse() }
            binds.append(n)
        case (.integer, .text(let s)):
            guard let n = Int64(s) else { throw refuse() }
            binds.append(n)
        case (.real, .real(let d)): binds.append(d)
        case (.real, .integer(let n)): binds.append(Double(n))
        case (.real, .bool(let b)): binds.append(b ? 1.0 : 0.0)
        case (.real, .text(let s)):
            guard let d = Double(s) else { throw refuse() }
            binds.append(d)
        case (.boolean, .bool(let b)): binds.append(b)
        case (.boolean, .integer(let n)): binds.append(n != 0)
        case (.boolean, .real(let d)): binds.append(d != 0)
        case (.boolean, .text(let s)):
            switch s {
            case "true", "1": binds.append(true)
            case "false", "0": binds.append(false)
            default: throw refuse()
            }
        }
    }

    /// A row of the topic's table, its columns selected in `topic.allColumns` order.
    static func row(_ raw: PostgresRandomAccessRow, _ topic: TopicDefinition) throws -> TopicRow {
        var row = TopicRow()
        for (cell, column) in zip(raw, topic.allColumns) {
            let value: TopicValue
            switch column.type {
            case .text, .timestamp: value = try cell.decode(String?.self).map(TopicValue.text) ?? .null
            case .integer: value = try cell.decode(Int64?.self).map(TopicValue.integer) ?? .null
            case .real: value = try cell.decode(Double?.self).map(TopicValue.real) ?? .null
            case .boolean: value = try cell.decode(Bool?.self).map(TopicValue.bool) ?? .null
            }
            row.values[column.name] = value
        }
        return row
    }

    static func columnList(_ topic: TopicDefinition) -> String {
        topic.allColumns.map { quoted($0.name) }.joined(separator: ", ")
    }
}
