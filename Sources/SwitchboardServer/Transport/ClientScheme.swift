import HTTPTypes
import SwitchboardCore

/// Whether a client reached the hub over HTTPS, which a hub behind a TLS-terminating reverse
/// proxy cannot see on its own connection.
///
/// `server.secure_cookies: true` says every client does. Otherwise a request is taken as
/// HTTPS only when it comes straight from one of `server.trusted_proxies` and that proxy's
/// `X-Forwarded-Proto` says `https`. The header's last value counts: a proxy that appends
/// puts its own value last, so a value the client sent itself is never the one read, and
/// the header from anyone else is ignored.
struct ClientScheme: Sendable {
    let secureCookies: Bool
    let trustedProxies: [AddressRange]

    init(_ server: ServerSettings) {
        secureCookies = server.secureCookies
        trustedProxies = server.transport.trustedProxies
    }

    func isTrustedProxy(_ address: String?) -> Bool {
        guard let address else { return false }
        return trustedProxies.contains { $0.contains(address) }
    }

    /// `https` or `http`, for a request with `headers` from the peer at `remoteAddress`.
    func scheme(headers: HTTPFields, remoteAddress: String?) -> String {
        isHTTPS(headers: headers, remoteAddress: remoteAddress) ? "https" : "http"
    }

    func isHTTPS(headers: HTTPFields, remoteAddress: String?) -> Bool {
        if secureCookies { return true }
        guard isTrustedProxy(remoteAddress) else { return false }
        let values = headers[values: .xForwardedProto].flatMap { $0.split(separator: ",") }
        return values.last.map { $0.trimmingCharacters(in: .whitespaces).lowercased() == "https" } ?? false
    }
}

extension HTTPField.Name {
    static let xForwardedProto = HTTPField.Name("X-Forwarded-Proto")!
}
