/// An error the hub reports to whoever asked: an API caller, the CLI, a connector.
///
/// A struct over a private code so that new cases do not break callers; `kind` is what the
/// HTTP layer maps to a status code, `message` is meant to be read by a person.
public struct SwitchboardError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable {
        case invalid
        case notFound = "not_found"
        case conflict, unauthorized, forbidden, unavailable, `internal`
    }
    public let kind: Kind
    /// A short machine-readable code, e.g. `invalid_address`, `unknown_group`.
    public let code: String
    public let message: String

    public init(_ kind: Kind, code: String, _ message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public static func invalid(_ code: String, _ message: String) -> Self { .init(.invalid, code: code, message) }
    public static func notFound(_ code: String, _ message: String) -> Self { .init(.notFound, code: code, message) }
    public static func conflict(_ code: String, _ message: String) -> Self { .init(.conflict, code: code, message) }
    public static func forbidden(_ message: String) -> Self { .init(.forbidden, code: "forbidden", message) }
    public static func unauthorized(_ message: String) -> Self { .init(.unauthorized, code: "unauthorized", message) }
}
