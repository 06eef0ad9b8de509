import SwitchboardCore
import Yams

/// Turns a composed Yams `Node` into a `ConfigNode`, keeping marks and resolving merge keys.
///
/// Merge keys follow YAML's merge-key rule (as Yams's own `flatten` does): keys written in the
/// mapping win over merged ones, and among a list of merged mappings the earlier one wins.
/// Merged keys take the place of the `<<` key, so declaration order stays what the reader
/// sees. Plain `~`, `null` and empty values become `.null`; every other scalar stays text
/// for `ConfigReader` to type.
struct YAMLNodeConverter {
    typealias Pair = (key: String, keyMark: ConfigMark?, value: ConfigNode)

    /// Starts every placeholder `YAMLConfig.read` puts before a key to get past Yams's
    /// duplicate check.
    static let placeholderStem = "zzswitchboardduplicate"

    /// Placeholders (`placeholderStem`, a number, `x`) with the key name each renamed key had.
    /// The key's text follows the placeholder, quotes and all, so keys are matched by prefix.
    let renamed: [String: (name: String, mark: ConfigMark)]
    private(set) var problems: [ConfigProblem] = []

    init(renamed: [String: (name: String, mark: ConfigMark)] = [:]) { self.renamed = renamed }

    mutating func convert(_ node: Node, path: String) -> ConfigNode {
        switch node {
        case .scalar(let scalar):
            if node.tag.rawValue == Tag.Name.null.rawValue { return .null(mark(scalar.mark)) }
            return .scalar(scalar.string, mark(scalar.mark))
        case .sequence(let sequence):
            var items: [ConfigNode] = []
            for (i, item) in sequence.enumerated() { items.append(convert(item, path: "\(path)[\(i)]")) }
            return .sequence(items, mark(sequence.mark))
        case .mapping(let mapping):
            return .mapping(pairs(of: mapping, path: path), mark(mapping.mark))
        case .alias(let alias):
            // `compose` resolves aliases to their anchored node; an unresolved one is empty.
            return .null(mark(alias.mark))
        }
    }

    private enum Entry {
        case pair(Pair)
        /// The mappings a `<<` key brings in, earliest (strongest) first.
        case merge([[Pair]])
    }

    private mutating func pairs(of mapping: Node.Mapping, path: String) -> [Pair] {
        var entries: [Entry] = []
        for (keyNode, valueNode) in mapping {
            if keyNode.tag.rawValue == Tag.Name.merge.rawValue {
                entries.append(.merge(mergeSources(valueNode, path: path)))
                continue
            }
            guard case .scalar(let keyScalar) = keyNode else {
                report(path.isEmpty ? "(top)" : path, keyNode.mark, "a key must be a single value, not a list or a mapping")
                continue
            }
            let name = originalName(keyScalar.string)
            let value = convert(valueNode, path: join(path, name))
            entries.append(.pair((key: name, keyMark: mark(keyScalar.mark), value: value)))
        }

        var written: [String: ConfigMark?] = [:]
        for case .pair(let p) in entries {
            if let first = written[p.key] {
                let at = first.map { "; first written at line \($0.line)" } ?? ""
                problems.append(ConfigProblem(path: join(path, p.key), mark: p.keyMark, message: "duplicate key\(at)"))
            } else {
                written[p.key] = p.keyMark
            }
        }
        let explicit = Set(written.keys)

        var out: [Pair] = []
        var emitted: Set<String> = []
        for entry in entries {
            switch entry {
            case .pair(let p):
                guard emitted.insert(p.key).inserted else { continue }
                out.append(p)
            case .merge(let sources):
                for source in sources {
                    for p in source where !explicit.contains(p.key) && !emitted.contains(p.key) {
                        emitted.insert(p.key)
                        out.append(p)
                    }
                }
            }
        }
        return out
    }

    private mutating func mergeSources(_ value: Node, path: String) -> [[Pair]] {
        let message = "'<<' (merge) needs a mapping or a list of mappings, such as *defaults"
        switch value {
        case .mapping(let m):
            return [pairs(of: m, path: path)]
        case .sequence(let s):
            var sources: [[Pair]] = []
            for item in s {
                guard case .mapping(let m) = item else {
                    report(join(path, "<<"), item.mark, message)
                    continue
                }
                sources.append(pairs(of: m, path: path))
            }
            return sources
        default:
            report(join(path, "<<"), value.mark, message)
            return []
        }
    }

    private func originalName(_ key: String) -> String {
        guard key.hasPrefix(Self.placeholderStem) else { return key }
        return renamed.first { key.hasPrefix($0.key) }?.value.name ?? key
    }

    private mutating func report(_ path: String, _ mark: Mark?, _ message: String) {
        problems.append(ConfigProblem(path: path, mark: self.mark(mark), message: message))
    }

    private func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    private func mark(_ m: Mark?) -> ConfigMark? { m.map { ConfigMark(line: $0.line, column: $0.column) } }
}
