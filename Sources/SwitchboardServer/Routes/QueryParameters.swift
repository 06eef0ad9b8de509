import Hummingbird

/// Reads a request's query string strictly: an unknown parameter is 400 `unknown_parameter`
/// (like an unknown body field), a bad value 400 `invalid_parameter` naming it.
struct QueryParameters {
    private let values: [String: String]

    init(_ request: Request, allowed: Set<String>) throws {
        var values: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            guard allowed.contains(name) else {
                let list = allowed.isEmpty ? "none" : allowed.sorted().joined(separator: ", ")
                throw APIError.badRequest("unknown_parameter", "unknown query parameter '\(name)'; allowed here: \(list)")
            }
            guard values.updateValue(String(value), forKey: name) == nil else {
                throw APIError.badRequest("invalid_parameter", "query parameter '\(name)' is given more than once")
            }
        }
        self.values = values
    }

    func string(_ name: String) -> String? {
        values[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The value of a typed parameter: `nil` when absent, but `limit=` with nothing after it
    /// is refused, since no number, boolean or choice is empty (and the API document says so).
    private func typed(_ name: String, _ expected: @autoclosure () -> String) throws -> String? {
        guard let v = values[name] else { return nil }
        guard !v.isEmpty else { throw APIError.badRequest("invalid_parameter", "query parameter '\(name)' is empty; expected \(expected())") }
        return v
    }

    /// A text parameter that must not be empty when given (an address, which has no empty form).
    func nonEmpty(_ name: String) throws -> String? { try typed(name, "a value") }

    func bool(_ name: String) throws -> Bool? {
        guard let v = try typed(name, "true or false") else { return nil }
        switch v.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw APIError.badRequest("invalid_parameter", "query parameter '\(name)' must be true or false, not '\(v)'")
        }
    }

    func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let v = try typed(name, "a whole number from \(range.lowerBound) to \(range.upperBound)") else { return nil }
        guard let n = Int(v), range.contains(n) else {
            throw APIError.badRequest(
                "invalid_parameter",
                "query parameter '\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)"
            )
        }
        return n
    }

    func oneOf<T: RawRepresentable>(_ name: String, _ type: T.Type, allowed: [T]) throws -> T? where T.RawValue == String {
        guard let v = try typed(name, "one of \(allowed.map(\.rawValue).joined(separator: ", "))") else { return nil }
        guard let value = T(rawValue: v), allowed.contains(where: { $0.rawValue == value.rawValue }) else {
            throw APIError.badRequest(
                "invalid_parameter",
                "query parameter '\(name)' must be one of \(allowed.map(\.rawValue).joined(separator: ", ")), not '\(v)'"
            )
        }
        return value
    }
}
