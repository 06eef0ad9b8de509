/// What the PostgreSQL store itself refuses (as opposed to the hub's `SwitchboardError`s
/// about the data): a schema it cannot work with, a stored value it cannot read back.
package struct PostgresStoreError: Error, Sendable, CustomStringConvertible {
    /// Which kind of failure, for code that tells them apart.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case schemaTooNew = "schema_too_new"
            case schemaMismatch = "schema_mismatch"
            case unreadableValue = "unreadable_value"
        }
        let base: Base
        package static let schemaTooNew = Code(base: .schemaTooNew)
        package static let schemaMismatch = Code(base: .schemaMismatch)
        package static let unreadableValue = Code(base: .unreadableValue)
        package var description: String { base.rawValue }
    }

    package var code: Code
    package var message: String
    package var description: String { message }

    static func schemaTooNew(version: Int, name: String, known: Int) -> Self {
        Self(
            code: .schemaTooNew,
            message:
                "the database has migration \(version) (\(name)), newer than this build knows (up to \(known)); run the newer build"
        )
    }

    static func schemaMismatch(version: Int, stored: String, expected: String) -> Self {
        Self(code: .schemaMismatch, message: "the database's migration \(version) is '\(stored)', this build's is '\(expected)'")
    }

    /// A stored value the model cannot take (a hand-edited row); never expected otherwise.
    static func unreadable(table: String, column: String, value: String) -> Self {
        Self(code: .unreadableValue, message: "\(table).\(column) holds an unreadable value '\(value)'")
    }
}
