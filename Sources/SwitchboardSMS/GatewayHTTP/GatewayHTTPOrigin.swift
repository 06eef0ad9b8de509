/// The one place a `GatewayHTTPClient` talks to: scheme, host and port, read from the start of
/// a URL, plus how that start is cut off a whole URL to leave the request target.
///
/// Why not `URLComponents` per request: the connector renders one URL per delivery from a
/// template whose scheme, host and port are literal text, so the origin is parsed once and
/// each request only drops a known number of bytes (Foundation parsing was measurable per
/// send). Credentials written in the URL (`user:pass@`) are neither sent nor shown.
struct GatewayHTTPOrigin: Sendable, Equatable {
    var tls: Bool
    /// The host name or address, without IPv6 brackets (what DNS, the socket and SNI take).
    var host: String
    var port: Int
    /// The `Host` header: the authority as written, without any credentials.
    var hostHeader: String
    /// How many UTF-8 bytes `scheme://authority` take at the start of the URL.
    let prefixLength: Int

    /// Reads the origin at the start of `url`; `nil` unless it is an `http://` or `https://`
    /// URL with a host and, if given, a port 1-65535.
    init?(url: String) {
        let bytes = Array(url.utf8)
        guard let schemeEnd = Self.find(Array("://".utf8), in: bytes) else { return nil }
        let scheme = String(decoding: bytes[..<schemeEnd], as: UTF8.self).lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let start = schemeEnd + 3
        var end = start
        while end < bytes.count, ![UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#")].contains(bytes[end]) { end += 1 }
        var authority = bytes[start..<end]
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) { authority = authority[(at + 1)...] }
        var host = authority
        var portText: ArraySlice<UInt8> = []
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            host = authority[(authority.startIndex + 1)..<close]
            let rest = authority[(close + 1)...]
            if !rest.isEmpty {
                guard rest.first == UInt8(ascii: ":") else { return nil }
                portText = rest.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: UInt8(ascii: ":")) {
            host = authority[..<colon]
            portText = authority[(colon + 1)...]
        }
        let defaultPort = scheme == "https" ? 443 : 80
        var port = defaultPort
        if !portText.isEmpty {
            guard let p = Int(String(decoding: portText, as: UTF8.self)), (1...65535).contains(p) else { return nil }
            port = p
        }
        guard !host.isEmpty else { return nil }
        self.tls = scheme == "https"
        self.host = String(decoding: host, as: UTF8.self)
        self.port = port
        self.hostHeader = String(decoding: authority, as: UTF8.self)
        self.prefixLength = end
    }

    /// The request target of a URL that starts with this origin: path and query, never the
    /// fragment; `/` when the URL has no path.
    func target(of url: String) -> String {
        var rest = Substring(url).utf8.dropFirst(prefixLength)
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) { rest = rest[..<hash] }
        if rest.first == UInt8(ascii: "/") { return String(Substring(rest)) }
        return "/" + String(Substring(rest))
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        for i in 0...(bytes.count - needle.count) where bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }
}
