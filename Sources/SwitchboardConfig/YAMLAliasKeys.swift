import SwitchboardCore
import Yams

/// Finds a mapping key written as an alias (`? *big`, `*big: x`) before Yams composes the file.
///
/// Yams checks each mapping for duplicate keys by hashing the key nodes, and an alias key is
/// the whole anchored tree: a key that is a YAML bomb is hashed node by node, billions of
/// them, before `YAMLNodeConverter` could count anything. So the text is first composed with
/// every alias replaced by a plain marker word (linear: nothing is shared), and a key that is
/// the marker, or is not a single value, is refused with its line. Configuration keys are
/// names; none needs to be an alias, a list or a mapping.
enum YAMLAliasKeys {
    static let marker = "zzswitchboardalias"

    /// The problem with the first such key, or nil; nil too when even the marker text cannot
    /// be composed (then composing the file itself reports the syntax error, cheaply).
    static func problem(in text: String) -> ConfigProblem? {
        let plain = replacingAliases(text)
        do {
            guard let root = try Yams.compose(yaml: plain) else { return nil }
            return problem(in: root, path: "")
        } catch let YamlError.duplicatedKeysInMapping(duplicates, context) where duplicates.contains(marker) {
            return refusal("(yaml)", context.mark)
        } catch {
            return nil
        }
    }

    /// `*name` tokens (libyaml's anchor characters after `*` at the start of a token) become
    /// the marker word, which is valid wherever an alias is and inside any scalar.
    static func replacingAliases(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let s = scalars[i]
            let tokenStart = i == 0 || [" ", "\t", "\n", "\r", "[", "{", ","].contains(scalars[i - 1])
            if s == "*", tokenStart, i + 1 < scalars.count, isAnchorCharacter(scalars[i + 1]) {
                i += 1
                while i < scalars.count, isAnchorCharacter(scalars[i]) { i += 1 }
                out.append(contentsOf: marker.unicodeScalars)
                continue
            }
            out.append(s)
            i += 1
        }
        return String(out)
    }

    private static func isAnchorCharacter(_ s: Unicode.Scalar) -> Bool {
        (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9") || s == "_" || s == "-"
    }

    private static func problem(in node: Node, path: String) -> ConfigProblem? {
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                guard case .scalar(let k) = key, k.string != marker else {
                    return refusal(path.isEmpty ? "(top)" : path, key.mark)
                }
                if let p = problem(in: value, path: path.isEmpty ? k.string : "\(path).\(k.string)") { return p }
            }
            return nil
        case .sequence(let sequence):
            for (i, item) in sequence.enumerated() {
                if let p = problem(in: item, path: "\(path)[\(i)]") { return p }
            }
            return nil
        case .scalar, .alias:
            return nil
        }
    }

    private static func refusal(_ path: String, _ mark: Mark?) -> ConfigProblem {
        ConfigProblem(
            path: path,
            mark: mark.map { ConfigMark(line: $0.line, column: $0.column) },
            message: "a key must be a single value written out, not an alias (*name), a list or a mapping"
        )
    }
}
