import Foundation

/// Typed, validating access to one mapping of a `ConfigNode` tree.
///
/// Every read that fails records a `ConfigProblem` with the full key path and line, and keeps
/// going, so `check-config` reports every problem at once. Keys never read are reported by
/// `rejectUnknownKeys()`: an unknown key is an error, never silently ignored.
public final class ConfigReader {
    /// Problems found by this reader and every child made from it.
    public final class Log {
        public fileprivate(set) var problems: [ConfigProblem] = []
        /// Every key path asked for, present or not, with names written `*` and list items
        /// `[]` (`connectors.*.engine`); a connector's engine keys under `connectors.<ENGINE>`.
        /// What the readers read, so a test can hold the example file to it.
        public fileprivate(set) var asked: Set<String> = []
        public init() {}
    }

    public let path: String
    /// `path` with names and list indexes abstracted, as `Log.asked` records it.
    public var pattern: String
    public let node: ConfigNode
    public let log: Log
    private var seen: Set<String> = []
    private let pairs: [(key: String, keyMark: ConfigMark?, value: ConfigNode)]

    public init(node: ConfigNode, path: String, pattern: String? = nil, log: Log = Log()) {
        self.node = node
        self.path = path
        self.pattern = pattern ?? path
        self.log = log
        switch node {
        case .mapping(let p, _): pairs = p
        case .null: pairs = []
        default:
            pairs = []
            log.problems.append(ConfigProblem(path: path.isEmpty ? "(top)" : path, mark: node.mark, message: "expected a mapping of keys"))
        }
    }

    public var problems: [ConfigProblem] { log.problems }
    public var keys: [String] { pairs.map(\.key) }

    public func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    func patternPath(_ key: String) -> String { pattern.isEmpty ? key : "\(pattern).\(key)" }

    /// Records a problem at `key` (or at this mapping when `key` is nil).
    public func problem(_ key: String?, _ message: String) {
        let mark = key.flatMap { k in pairs.first { $0.key == k }.map { $0.value.mark ?? $0.keyMark } } ?? node.mark
        log.problems.append(ConfigProblem(path: key.map(keyPath) ?? (path.isEmpty ? "(top)" : path), mark: mark, message: message))
    }

    /// The raw node at `key`, marking it as known.
    public func value(_ key: String) -> ConfigNode? {
        seen.insert(key)
        log.asked.insert(pattern.isEmpty ? key : "\(pattern).\(key)")
        guard let v = pairs.first(where: { $0.key == key })?.value else { return nil }
        if case .null = v { return nil }
        return v
    }

    public func has(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    public func string(_ key: String, required: Bool = false) -> String? {
        guard let v = value(key) else {
            if required { problem(key, "missing") }
            return nil
        }
        guard case .scalar(let s, _) = v else {
            problem(key, "expected a single value")
            return nil
        }
        if required && s.isEmpty { problem(key, "must not be empty") }
        return s
    }

    public func choice<T: RawRepresentable>(_ key: String, _ type: T.Type) -> T? where T.RawValue == String {
        guard let s = string(key) else { return nil }
        guard let v = T(rawValue: s) else {
            problem(key, "'\(s)' is not one of the allowed values")
            return nil
        }
        return v
    }

    public func int(_ key: String, in range: ClosedRange<Int>? = nil, required: Bool = false) -> Int? {
        guard let s = string(key, required: required) else { return nil }
        guard let i = Int(s) else {
            problem(key, "'\(s)' is not a whole number")
            return nil
        }
        if let range, !range.contains(i) {
            problem(key, "\(i) is outside \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return i
    }

    public func double(_ key: String, in range: ClosedRange<Double>? = nil) -> Double? {
        guard let s = string(key) else { return nil }
        guard let d = Double(s), d.isFinite else {
            problem(key, "'\(s)' is not a number")
            return nil
        }
        if let range, !range.contains(d) {
            problem(key, "\(s) is outside \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return d
    }

    public func bool(_ key: String) -> Bool? {
        guard let s = string(key) else { return nil }
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            problem(key, "'\(s)' is not true or false")
            return nil
        }
    }

    /// A duration: `250ms`, `30s`, `5m`, `1h`, `2d`, or a bare number of seconds.
    public func duration(_ key: String) -> TimeInterval? {
        guard let s = string(key) else { return nil }
        guard let d = ConfigReader.parseDuration(s), d >= 0 else {
            problem(key, "'\(s)' is not a duration such as 500ms, 30s, 5m, 1h")
            return nil
        }
        return d
    }

    public static func parseDuration(_ s: String) -> TimeInterval? {
        let t = s.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            if let n = Double(t.dropLast(suffix.count)), n.isFinite { return n * factor }
        }
        return Double(t).flatMap { $0.isFinite ? $0 : nil }
    }

    public func stringList(_ key: String) -> [String]? {
        guard let v = value(key) else { return nil }
        switch v {
        case .scalar(let s, _): return [s]
        case .sequence(let items, _):
            var out: [String] = []
            for (i, item) in items.enumerated() {
                guard case .scalar(let s, _) = item else {
                    log.problems.append(ConfigProblem(path: "\(keyPath(key))[\(i)]", mark: item.mark, message: "expected a single value"))
                    continue
                }
                out.append(s)
            }
            return out
        default:
            problem(key, "expected a list")
            return nil
        }
    }

    /// A nested mapping; `nil` if absent.
    public func child(_ key: String) -> ConfigReader? {
        guard let v = value(key) else { return nil }
        return ConfigReader(node: v, path: keyPath(key), pattern: patternPath(key), log: log)
    }

    /// Each entry of a nested mapping whose keys are names (`connectors:`), in file order.
    public func namedChildren(_ key: String) -> [(name: String, reader: ConfigReader)] {
        guard let v = value(key) else { return [] }
        guard case .mapping(let p, _) = v else {
            problem(key, "expected a mapping of names")
            return []
        }
        return p.map {
            (name: $0.key, reader: ConfigReader(node: $0.value, path: "\(keyPath(key)).\($0.key)", pattern: patternPath(key) + ".*", log: log))
        }
    }

    /// Each item of a list of mappings (`forwarding:`).
    public func listOfMappings(_ key: String) -> [ConfigReader] {
        guard let v = value(key) else { return [] }
        guard case .sequence(let items, _) = v else {
            problem(key, "expected a list")
            return []
        }
        return items.enumerated().map {
            ConfigReader(node: $0.element, path: "\(keyPath(key))[\($0.offset)]", pattern: patternPath(key) + "[]", log: log)
        }
    }

    /// Reports every key of this mapping that no read asked for.
    public func rejectUnknownKeys() {
        for pair in pairs where !seen.contains(pair.key) {
            log.problems.append(ConfigProblem(path: keyPath(pair.key), mark: pair.keyMark ?? pair.value.mark, message: "unknown key"))
        }
    }
}
