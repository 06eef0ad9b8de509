import Foundation
import SwitchboardCore
import Yams

/// Reads YAML into Core's format-neutral `ConfigNode` tree, keeping each key's and value's line.
///
/// Core validates the tree and never sees YAML, so this is the only place that knows Yams.
/// Aliases and merge keys (`<<: *defaults`) are resolved as Yams resolves them, up to
/// `YAMLNodeConverter.aliasBudget` nodes brought in through them (a YAML bomb is refused). Syntax errors,
/// duplicate keys and unreadable files become `ConfigProblem`s naming the line or the path,
/// so `check-config` can show them next to the problems Core finds.
package enum YAMLConfig {
    /// The problem path used for a syntax error when the text came from no file.
    package static let inlineSource = "(yaml)"

    /// The tree for `text`; throws every problem found if the YAML cannot be used as is.
    /// An empty document is an empty mapping.
    package static func node(fromYAML text: String) throws(ConfigurationError) -> ConfigNode {
        try unwrap(read(yaml: text))
    }

    /// The tree for the file at `path`; throws if it cannot be read or is not usable YAML.
    package static func node(contentsOf path: String) throws(ConfigurationError) -> ConfigNode {
        try unwrap(read(contentsOf: path))
    }

    /// Reads `text` without giving up at the first problem: after a duplicate key the tree is
    /// still returned (with the first occurrence kept) so the caller can go on validating and
    /// report everything at once. `node` is nil only when the YAML cannot be parsed at all.
    /// `source` names the text in syntax-error problems (the file path when there is one).
    package static func read(yaml text: String, source: String = inlineSource) -> (node: ConfigNode?, problems: [ConfigProblem]) {
        if let aliasKey = YAMLAliasKeys.problem(in: text) { return (nil, [aliasKey]) }
        var text = text
        var renamed: [String: (name: String, mark: ConfigMark)] = [:]
        // Yams stops at the first duplicate key it meets, without saying in which mapping.
        // Renaming that first occurrence and composing again lets the converter below find
        // the mapping, report the duplicate with its key path, and look for further ones.
        for attempt in 0...maxDuplicateRetries {
            do {
                guard let root = try Yams.compose(yaml: text) else { return (.mapping([], nil), []) }
                var converter = YAMLNodeConverter(renamed: renamed)
                let node = converter.convert(root, path: "")
                // Past the alias budget the tree has holes; validating it would only add noise.
                return (converter.overBudget ? nil : node, unique(converter.problems))
            } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
                let mark = ConfigMark(line: context.mark.line, column: context.mark.column)
                let placeholder = "\(YAMLNodeConverter.placeholderStem)\(attempt)x"
                guard attempt < maxDuplicateRetries, let name = duplicates.first,
                    let edited = insert(placeholder, into: text, at: mark)
                else {
                    let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
                    return (nil, [ConfigProblem(path: source, mark: mark, message: "duplicate key \(names)")])
                }
                renamed[placeholder] = (name, mark)
                text = edited
            } catch let error as YamlError {
                return (nil, [problem(for: error, source: source, text: text)])
            } catch {
                return (nil, [ConfigProblem(path: source, mark: nil, message: "cannot parse YAML: \(error)")])
            }
        }
        return (nil, [ConfigProblem(path: source, mark: nil, message: "too many duplicate keys")])
    }

    /// Reads the file at `path` as `read(yaml:source:)` does; a file that cannot be read is one
    /// problem naming the path and the reason.
    package static func read(contentsOf path: String) -> (node: ConfigNode?, problems: [ConfigProblem]) {
        func failure(_ reason: String) -> (node: ConfigNode?, problems: [ConfigProblem]) {
            (nil, [ConfigProblem(path: path, mark: nil, message: "cannot read the configuration file: \(reason)")])
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return failure("no such file") }
        guard !isDirectory.boolValue else { return failure("it is a directory, not a file") }
        guard FileManager.default.isReadableFile(atPath: path) else { return failure("permission denied") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { return failure(error.localizedDescription) }
        guard let text = String(data: data, encoding: .utf8) else { return failure("it is not UTF-8 text") }
        return read(yaml: text, source: path)
    }

    // MARK: - Helpers

    private static let maxDuplicateRetries = 64

    private static func unwrap(_ result: (node: ConfigNode?, problems: [ConfigProblem])) throws(ConfigurationError) -> ConfigNode {
        guard let node = result.node, result.problems.isEmpty else { throw ConfigurationError(problems: result.problems) }
        return node
    }

    private static func unique(_ problems: [ConfigProblem]) -> [ConfigProblem] {
        // A merged anchor is converted once per use; report each of its problems once.
        var out: [ConfigProblem] = []
        for p in problems where !out.contains(p) { out.append(p) }
        return out
    }

    /// Inserts `prefix` before the character at the 1-based `mark`, counting columns in
    /// Unicode scalars and lines as libyaml does; nil if the mark is not in the text.
    static func insert(_ prefix: String, into text: String, at mark: ConfigMark) -> String? {
        var line = 1
        var column = 1
        var scalars = Array(text.unicodeScalars)
        var i = 0
        while i <= scalars.count {
            if line == mark.line && column == mark.column {
                scalars.insert(contentsOf: prefix.unicodeScalars, at: i)
                var out = String.UnicodeScalarView()
                out.append(contentsOf: scalars)
                return String(out)
            }
            guard i < scalars.count else { break }
            let s = scalars[i]
            if s == "\n" || (s == "\r" && (i + 1 == scalars.count || scalars[i + 1] != "\n")) {
                line += 1
                column = 1
            } else if s != "\r" {
                column += 1
            }
            i += 1
        }
        return nil
    }

    private static func problem(for error: YamlError, source: String, text: String) -> ConfigProblem {
        func mark(_ m: Mark) -> ConfigMark { ConfigMark(line: m.line, column: m.column) }
        func detail(_ problem: String, _ context: YamlError.Context?) -> String {
            guard let context else { return "syntax error: \(problem)" }
            return "syntax error: \(problem) (\(context.text) at line \(context.mark.line))"
        }
        switch error {
        case let .composer(context, _, m, _) where context?.text == "expected a single document in the stream":
            return ConfigProblem(path: source, mark: mark(m), message: "syntax error: the file must hold one YAML document; another starts here")
        case let .scanner(context, problem, m, _), let .parser(context, problem, m, _), let .composer(context, problem, m, _):
            return ConfigProblem(path: source, mark: mark(m), message: detail(problem, context))
        case let .reader(problem, offset, _, _):
            let line = offset.map { o in text.prefix(o).reduce(1) { $1.isNewline ? $0 + 1 : $0 } }
            return ConfigProblem(path: source, mark: line.map { ConfigMark(line: $0, column: 1) }, message: "cannot read the text: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return ConfigProblem(path: source, mark: mark(context.mark), message: "duplicate key \(duplicates.joined(separator: ", "))")
        default:
            return ConfigProblem(path: source, mark: nil, message: "cannot parse YAML: \(error)")
        }
    }
}
