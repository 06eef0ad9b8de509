import Foundation

/// One condition on the rows a subscriber receives, history and live alike. The SQL store
/// and `matches(_:)` implement the same meaning, so history and live never disagree.
public struct TopicFilter: Sendable, Equatable {
    public enum Operator: String, Sendable, Equatable, CaseIterable {
        /// Any of `values` (repeat `col=v` for several).
        case equal = "="
        /// None of `values`.
        case notEqual = "!="
        case greaterOrEqual = ">="
        case lessOrEqual = "<="
        case greater = ">"
        case less = "<"
        /// The text contains the value (`~=`).
        case contains = "~="
    }

    public var column: String
    public var op: Operator
    /// Several only for `=` and `!=`; one for the others.
    public var values: [TopicValue]

    public init(column: String, op: Operator, values: [TopicValue]) {
        self.column = column
        self.op = op
        self.values = values
    }

    /// Whether `row` passes. A NULL field passes no condition, as in SQL.
    public func matches(_ row: TopicRow) -> Bool {
        let v = row[column]
        if v.isNull { return false }
        switch op {
        case .equal: return values.contains { v.compare($0) == 0 }
        case .notEqual: return values.allSatisfy { v.compare($0).map { $0 != 0 } ?? false }
        case .greaterOrEqual: return values.allSatisfy { (v.compare($0) ?? -2) >= 0 }
        case .lessOrEqual: return values.allSatisfy { (v.compare($0) ?? 2) <= 0 }
        case .greater: return values.allSatisfy { (v.compare($0) ?? -2) > 0 }
        case .less: return values.allSatisfy { (v.compare($0) ?? 2) < 0 }
        case .contains:
            guard let text = v.text else { return false }
            return values.allSatisfy { needle in needle.text.map { $0.isEmpty || text.contains($0) } ?? false }
        }
    }
}

/// What a subscriber asked for in its URL: filters plus how much history.
public struct TopicQuery: Sendable, Equatable {
    public var filters: [TopicFilter]
    /// At most this many history rows; `nil` is the topic's `history_limit`.
    public var limit: Int?
    /// Only rows after this id, or after this time.
    public var since: Since?
    public enum Since: Sendable, Equatable {
        case id(String)
        case time(String)
    }

    public init(filters: [TopicFilter] = [], limit: Int? = nil, since: Since? = nil) {
        self.filters = filters
        self.limit = limit
        self.since = since
    }

    /// The largest `_limit` a client may ask for.
    public static let maximumLimit = 10_000

    /// Parses a raw URL query (`body~=hi&user=alice&count>3&_limit=50`). Names are column
    /// identifiers, so the first character that cannot be in one starts the operator; `+`
    /// is a space and `%XX` escapes are decoded. Parameters listed in `ignoring` (e.g. `token`)
    /// are skipped.
    public static func parse(_ query: String, for topic: TopicDefinition, ignoring: Set<String> = ["token"]) throws(TopicError) -> TopicQuery {
        var result = TopicQuery()
        var equal: [String: [TopicValue]] = [:]
        var notEqual: [String: [TopicValue]] = [:]
        var order: [(String, TopicFilter.Operator)] = []
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            let decoded = String(item).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(item)
            let (name, op, raw) = try split(decoded)
            if ignoring.contains(name) { continue }
            switch name {
            case "_limit":
                guard op == .equal, let n = Int(raw), (0...maximumLimit).contains(n) else {
                    throw .invalid("invalid_filter", "_limit must be a whole number from 0 to \(maximumLimit)")
                }
                result.limit = n
                continue
            case "_since":
                guard op == .equal, !raw.isEmpty else { throw .invalid("invalid_filter", "_since must be a row id or a time") }
                result.since = raw.first?.isNumber == true && raw.contains("-") && raw.count != 22 ? .time(TopicTime.normalize(raw) ?? raw) : .id(raw)
                continue
            default: break
            }
            guard let column = topic.column(name) else {
                let names = topic.allColumns.map(\.name).joined(separator: ", ")
                throw .invalid("invalid_filter", "unknown column '\(name)' in filter; columns are: \(names)")
            }
            guard let value = TopicValue.parse(raw, as: column.type) else {
                throw .invalid("invalid_filter", "filter on '\(name)': '\(raw)' is not \(column.type.article)")
            }
            switch op {
            case .equal:
                if equal[name] == nil { order.append((name, op)) }
                equal[name, default: []].append(value)
            case .notEqual:
                if notEqual[name] == nil { order.append((name, op)) }
                notEqual[name, default: []].append(value)
            default:
                result.filters.append(TopicFilter(column: name, op: op, values: [value]))
            }
        }
        for (name, op) in order {
            result.filters.append(TopicFilter(column: name, op: op, values: (op == .equal ? equal : notEqual)[name]!))
        }
        return result
    }

    /// `name`, operator, value of one decoded `name<op>value` item.
    static func split(_ item: String) throws(TopicError) -> (String, TopicFilter.Operator, String) {
        let scalars = Array(item.unicodeScalars)
        var i = 0
        while i < scalars.count, scalars[i].isASCII, scalars[i].properties.isAlphabetic || scalars[i] == "_" || ("0"..."9").contains(scalars[i]) {
            i += 1
        }
        let name = String(String.UnicodeScalarView(scalars[0..<i]))
        let rest = String(String.UnicodeScalarView(scalars[i...]))
        for op in [TopicFilter.Operator.notEqual, .greaterOrEqual, .lessOrEqual, .contains, .equal, .greater, .less]
        where rest.hasPrefix(op.rawValue) {
            return (name, op, String(rest.dropFirst(op.rawValue.count)))
        }
        if name.isEmpty || rest.isEmpty {
            throw .invalid("invalid_filter", "'\(item)' is not a filter; use col=v, col!=v, col>=v, col<=v, col>v, col<v or col~=text")
        }
        throw .invalid("invalid_filter", "'\(item)': unknown operator; use =, !=, >=, <=, >, < or ~=")
    }
}

/// A filter forced by the topic's `open` rule, its value drawn from the session
/// (`recipient: $user.id`) or a constant, so a client cannot widen what it may see.
package struct TopicFilterTemplate: Sendable, Equatable {
    package var column: String
    package var op: TopicFilter.Operator
    package var source: TopicValueSource
    package init(column: String, op: TopicFilter.Operator, source: TopicValueSource) {
        self.column = column
        self.op = op
        self.source = source
    }
}
