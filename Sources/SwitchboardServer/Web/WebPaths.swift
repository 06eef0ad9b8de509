import Foundation

/// Where a page may send the browser next: only a path on the hub itself, so `next` and `back`
/// parameters cannot make the hub an open redirect.
enum WebPaths {
    static func local(_ candidate: String?, default fallback: String = "/") -> String {
        guard let candidate, candidate.hasPrefix("/"), !candidate.hasPrefix("//"), candidate.utf8.count <= 2048,
            !candidate.unicodeScalars.contains(where: { $0 == "\\" || $0.properties.generalCategory == .control })
        else { return fallback }
        return candidate
    }

    static func percentEncoded(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// `path?name=value&…`, values encoded.
    static func link(_ path: String, _ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return path }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let query = items.map { name, value in "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
        return path + "?" + query.joined(separator: "&")
    }
}
