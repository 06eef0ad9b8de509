/// A configuration tree independent of the file format, with each node's place in the file,
/// so that every problem can be reported as `connectors.kannel.url (line 12): missing`.
public indirect enum ConfigNode: Sendable, Equatable {
    case scalar(String, ConfigMark?)
    case sequence([ConfigNode], ConfigMark?)
    /// Keys keep their file order and their own marks.
    case mapping([(key: String, keyMark: ConfigMark?, value: ConfigNode)], ConfigMark?)
    case null(ConfigMark?)

    public static func mapping(_ pairs: [(String, ConfigNode)]) -> ConfigNode {
        .mapping(pairs.map { (key: $0.0, keyMark: nil, value: $0.1) }, nil)
    }

    public var mark: ConfigMark? {
        switch self {
        case .scalar(_, let m), .sequence(_, let m), .mapping(_, let m), .null(let m): m
        }
    }

    public static func == (a: ConfigNode, b: ConfigNode) -> Bool {
        switch (a, b) {
        case (.scalar(let x, _), .scalar(let y, _)): x == y
        case (.sequence(let x, _), .sequence(let y, _)): x == y
        case (.null, .null): true
        case (.mapping(let x, _), .mapping(let y, _)):
            x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }
}

/// A position in the configuration file (1-based).
public struct ConfigMark: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public var description: String { "line \(line)" }
}

/// One thing wrong with a configuration, named by its key path.
public struct ConfigProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var mark: ConfigMark?
    public var message: String
    public init(path: String, mark: ConfigMark?, message: String) {
        self.path = path
        self.mark = mark
        self.message = message
    }
    public var description: String {
        if let mark { return "\(path) (\(mark)): \(message)" }
        return "\(path): \(message)"
    }
}

/// All the problems found in one configuration, reported together.
package struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    package var problems: [ConfigProblem]
    package init(problems: [ConfigProblem]) { self.problems = problems }
    package var description: String { problems.map(\.description).joined(separator: "\n") }
}
