import PostgresNIO

/// SQL put together from optional conditions (listings with filters), values always bound:
/// `bind(value)` appends the value and returns its placeholder (`$3`) for the text. Finish
/// the text (every `bind`) before calling `query(_:)`: `builder.query("… \(builder.bind(x))")`
/// reads the builder before the argument binds `x`, and the statement lacks its last value.
struct QueryBuilder {
    private(set) var binds = PostgresBindings()

    mutating func bind<Value: PostgresNonThrowingEncodable>(_ value: Value) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    /// `NULL` for `nil` (its type taken from where it is used).
    mutating func bind<Value: PostgresNonThrowingEncodable>(_ value: Value?) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    func query(_ sql: String) -> PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}
