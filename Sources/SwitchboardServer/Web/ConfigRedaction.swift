import Foundation
import SwitchboardCore

/// What the configuration page may show of what the file holds: every key, but never a
/// secret. Secrets live in the environment and the file names the variable (`*_env`), which
/// is shown; the page never reads the environment. Anything that may still carry a secret
/// written in by hand is hidden: keys named like one (`password`, `token`, `api_key`, …), a
/// URL's user part and query values (placeholders such as `{to}` stay), and request body
/// templates (only their placeholders are named).
enum ConfigRedaction {
    static let hidden = "(hidden)"
    /// Name parts (split at `_`, `-` and `.`) that make a key's value a secret.
    static let secretWords: Set<String> = [
        "password", "passwd", "pass", "pwd", "secret", "token", "pin", "key", "apikey", "credential", "credentials",
        "passphrase", "auth", "authorization", "cookie", "signature", "private",
    ]

    /// Every scalar under `node` as a `key.path` and the value that may be shown.
    static func rows(_ node: ConfigNode, path: String = "") -> [(key: String, value: String)] {
        let key = path.split(separator: ".").last.map(String.init) ?? path
        switch node {
        case .scalar(let text, _):
            return [(path, value(key: key, text))]
        case .null:
            return [(path, "")]
        case .sequence(let items, _):
            let scalars = items.compactMap { item -> String? in if case .scalar(let text, _) = item { text } else { nil } }
            if scalars.count == items.count { return [(path, scalars.map { value(key: key, $0) }.joined(separator: ", "))] }
            return items.enumerated().flatMap { index, item in rows(item, path: "\(path)[\(index)]") }
        case .mapping(let pairs, _):
            return pairs.flatMap { pair in
                isSecretKey(pair.key) && !pair.key.hasSuffix("_env")
                    ? [(path.isEmpty ? pair.key : "\(path).\(pair.key)", hidden)]
                    : rows(pair.value, path: path.isEmpty ? pair.key : "\(path).\(pair.key)")
            }
        }
    }

    /// The value of `key` as the page may show it.
    static func value(key: String, _ text: String) -> String {
        if key.hasSuffix("_env") {
            // The variable's name, never its content; anything not shaped like a name is hidden.
            return text.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_]*/) != nil ? text : hidden
        }
        if isSecretKey(key) { return hidden }
        if key == "body" || key.hasSuffix("_body") {
            let names = text.matches(of: /\{[a-z_]+\}/).map { String($0.output) }
            return "\(hidden): \(names.isEmpty ? "-" : names.joined(separator: " "))"
        }
        if text.contains("://") { return url(text) }
        return text
    }

    static func isSecretKey(_ key: String) -> Bool {
        key.lowercased().split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == "." }).contains { secretWords.contains(String($0)) }
    }

    /// A URL without its user part, query values (placeholders kept) and fragment.
    static func url(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else { return text }
        var rest = text[schemeEnd.upperBound...]
        if let fragment = rest.firstIndex(of: "#") { rest = rest[..<fragment] }
        var query: Substring?
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = String(rest[..<authorityEnd])
        if let at = authority.lastIndex(of: "@") { authority = hidden + "@" + String(authority[authority.index(after: at)...]) }
        var shown = String(text[..<schemeEnd.upperBound]) + authority + String(rest[authorityEnd...])
        if let query {
            let items = query.split(separator: "&", omittingEmptySubsequences: false).map { item -> String in
                guard let equals = item.firstIndex(of: "=") else { return String(item) }
                let value = item[item.index(after: equals)...]
                let kept = value.isEmpty || value.wholeMatch(of: /\{[a-z_]+\}/) != nil
                return String(item[...equals]) + (kept ? String(value) : hidden)
            }
            shown += "?" + items.joined(separator: "&")
        }
        return shown
    }
}
