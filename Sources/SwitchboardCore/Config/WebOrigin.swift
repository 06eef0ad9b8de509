/// A browser origin (RFC 6454): scheme, host and port, nothing else. The configuration's
/// `server.allowed_origins` and the server's check of `Origin` and `Referer` headers compare
/// these, so `https://Hub.Example:443` and `https://hub.example` are the same origin.
package struct WebOrigin: Hashable, Sendable, CustomStringConvertible {
    /// `http` or `https`: the only schemes a page that may call the API is served over.
    package let scheme: String
    /// Lower-cased; an IPv6 literal keeps its brackets.
    package let host: String
    /// `nil` for the scheme's default port (80, 443).
    package let port: Int?

    /// Parses an origin as browsers send it in `Origin` (`https://hub.example:8443`); a path,
    /// query, user name or other scheme makes it `nil`. One trailing `/` is tolerated, as
    /// people write it in configuration.
    package init?(_ text: String) {
        guard let (scheme, rest) = Self.splitScheme(text) else { return nil }
        let authority = rest.hasSuffix("/") ? rest.dropLast() : rest
        self.init(scheme: scheme, authority: authority)
    }

    /// The origin of a URL, as in a `Referer` header: its path and query are dropped.
    package init?(url text: String) {
        guard let (scheme, rest) = Self.splitScheme(text) else { return nil }
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        self.init(scheme: scheme, authority: rest[..<end])
    }

    /// `scheme` with an authority as in a `Host` header (`hub.example:8080`, `[::1]:8080`).
    package init?(scheme: String, authority: some StringProtocol) {
        let scheme = scheme.lowercased()
        guard scheme == "http" || scheme == "https", !authority.isEmpty, !authority.contains("@") else { return nil }
        let authority = authority.lowercased()
        var host = Substring(authority)
        var port: Int?
        let portStart: String.Index?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[...close]
            let after = authority.index(after: close)
            guard after == authority.endIndex || authority[after] == ":" else { return nil }
            portStart = after == authority.endIndex ? nil : after
        } else {
            portStart = authority.firstIndex(of: ":")
            if let portStart { host = authority[..<portStart] }
        }
        if let portStart {
            let digits = authority[authority.index(after: portStart)...]
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(digits),
                (1...65535).contains(number)
            else { return nil }
            port = number
        }
        let allowed = host.hasPrefix("[") ? nil : host.first { !($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }
        guard !host.isEmpty, allowed == nil else { return nil }
        self.scheme = scheme
        self.host = String(host)
        self.port = port == (scheme == "https" ? 443 : 80) ? nil : port
    }

    package var description: String {
        port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)"
    }

    private static func splitScheme(_ text: String) -> (String, Substring)? {
        guard let range = text.range(of: "://") else { return nil }
        return (String(text[..<range.lowerBound]), text[range.upperBound...])
    }
}

extension ConfigReader {
    /// A list of origins, each normalised (`WebOrigin.description`); one that is not an origin
    /// is a problem naming it and is left out.
    package func originList(_ key: String) -> [String]? {
        stringList(key)?.compactMap { text in
            guard let origin = WebOrigin(text) else {
                problem(key, "'\(text)' is not an origin: write scheme://host[:port], such as https://intranet.example")
                return nil
            }
            return origin.description
        }
    }
}
