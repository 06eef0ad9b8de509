import SwitchboardCore
import Yams

/// Turns a composed Yams `Node` into a `ConfigNode`, keeping marks and resolving merge keys.
///
/// Merge keys follow YAML's merge-key rule (as Yams's own `flatten` does): keys written in the
/// mapping win over merged ones, and among a list of merged mappings the earlier one wins.
/// Merged keys take the place of the `<<` key, so declaration order stays what the reader
/// sees. Plain `~`, `null` and empty values become `.null`; every other scalar stays text
/// for `ConfigReader` to type.
///
/// Aliases are limited: Yams hands over an alias as the anchored node itself, so a few
/// hundred bytes of nested aliases (a "billion laughs") or merge keys would expand to
/// billions of nodes here. Nodes are converted in file order, so a node that starts before
/// the furthest point already converted is met again through an alias (or a merge key);
/// every node converted that way counts against `aliasBudget`, and once it is spent the
/// file is refused with one problem naming where, instead of converting on for minutes.
struct YAMLNodeConverter {
    typealias Pair = (key: String, keyMark: ConfigMark?, value: ConfigNode)

    /// Starts every placeholder `YAMLConfig.read` puts before a key to get past Yams's
    /// duplicate check.
    static let placeholderStem = "zzswitchboardduplicate"

    /// Placeholders (`placeholderStem`, a number, `x`) with the key name each renamed key had.
    /// The key's text follows the placeholder, quotes and all, so keys are matched by prefix.
    let renamed: [String: (name: String, mark: ConfigMark)]
    private(set) var problems: [ConfigProblem] = []

    /// Most nodes (values, mappings, merged keys) aliases and merge keys may bring in, in all.
    /// A configuration sharing defaults between connectors uses a few hundred.
    static let aliasBudget = 10_000
    private var aliasNodes = 0
    /// The furthest start of a node converted from the file itself (not through an alias).
    private var furthest: ConfigMark?
    /// How deep in alias expansions the conversion is, and where the outermost one is used.
    private var expanding = 0
    private var expansionSite: (path: String, mark: ConfigMark?)?
    private(set) var overBudget = false

    init(renamed: [String: (name: String, mark: ConfigMark)] = [:]) { self.renamed = renamed }

    mutating func convert(_ node: Node, path: String, at site: ConfigMark? = nil) -> ConfigNode {
        guard let visit = enter(node.mark, path: path, at: site) else { return .null(mark(node.mark)) }
        defer { leave(visit) }
        switch node {
        case .scalar(let scalar):
            if node.tag.rawValue == Tag.Name.null.rawValue { return .null(mark(scalar.mark)) }
            return .scalar(scalar.string, mark(scalar.mark))
        case .sequence(let sequence):
            var items: [ConfigNode] = []
            for (i, item) in sequence.enumerated() { items.append(convert(item, path: "\(path)[\(i)]", at: site)) }
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
                entries.append(.merge(mergeSources(valueNode, path: path, at: mark(keyNode.mark))))
                continue
            }
            guard case .scalar(let keyScalar) = keyNode else {
                report(path.isEmpty ? "(top)" : path, keyNode.mark, "a key must be a single value, not a list or a mapping")
                continue
            }
            let name = originalName(keyScalar.string)
            let value = convert(valueNode, path: join(path, name), at: mark(keyScalar.mark))
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

    private mutating func mergeSources(_ value: Node, path: String, at site: ConfigMark?) -> [[Pair]] {
        let message = "'<<' (merge) needs a mapping or a list of mappings, such as *defaults"
        switch value {
        case .mapping(let m):
            return merged(m, path: path, at: site).map { [$0] } ?? []
        case .sequence(let s):
            var sources: [[Pair]] = []
            for item in s {
                guard case .mapping(let m) = item else {
                    report(join(path, "<<"), item.mark, message)
                    continue
                }
                if let pairs = merged(m, path: path, at: site) { sources.append(pairs) }
            }
            return sources
        default:
            report(join(path, "<<"), value.mark, message)
            return []
        }
    }

    /// The pairs a merge brings in, counted like any node met again; nil once over budget.
    private mutating func merged(_ mapping: Node.Mapping, path: String, at site: ConfigMark?) -> [Pair]? {
        guard let visit = enter(mapping.mark, path: join(path, "<<"), at: site) else { return nil }
        defer { leave(visit) }
        if expanding > 0, !spend(mapping.count, path: join(path, "<<"), at: site) { return nil }
        return pairs(of: mapping, path: path)
    }

    /// Whether `convert` went into an alias expansion for this node.
    private struct Visit {
        var expansion: Bool
    }

    /// Notes a node about to be converted; nil when the alias budget is spent.
    private mutating func enter(_ start: Mark?, path: String, at site: ConfigMark?) -> Visit? {
        if overBudget { return nil }
        let here = mark(start)
        var visit = Visit(expansion: false)
        if expanding == 0, let here {
            if let furthest, Self.before(here, furthest) {
                visit.expansion = true
                expansionSite = (path, site ?? here)
            } else {
                furthest = here
            }
        }
        if visit.expansion { expanding += 1 }
        if expanding > 0, !spend(1, path: path, at: site) {
            if visit.expansion { expanding -= 1 }
            return nil
        }
        return visit
    }

    private mutating func leave(_ visit: Visit) {
        if visit.expansion { expanding -= 1 }
    }

    /// Takes `n` nodes from the alias budget; reports the first time it runs out.
    private mutating func spend(_ n: Int, path: String, at site: ConfigMark?) -> Bool {
        aliasNodes += n
        guard aliasNodes > Self.aliasBudget else { return true }
        if !overBudget {
            overBudget = true
            let where_ = expansionSite ?? (path, site)
            problems.append(
                ConfigProblem(
                    path: where_.path.isEmpty ? "(top)" : where_.path,
                    mark: where_.mark,
                    message:
                        "aliases and merge keys (*name, <<) expand to more than \(Self.aliasBudget) nodes; the file is refused (a YAML bomb?); write the repeated parts out or share fewer"
                )
            )
        }
        return false
    }

    private static func before(_ a: ConfigMark, _ b: ConfigMark) -> Bool {
        a.line != b.line ? a.line < b.line : a.column < b.column
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
