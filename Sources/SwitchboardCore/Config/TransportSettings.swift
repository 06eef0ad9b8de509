import Foundation

/// How long the HTTP server waits for a client and how many connections it keeps, under
/// `server:`. Every wait has an end and every count a cap, so clients that connect and send
/// nothing (or send slowly) cannot hold the hub's sockets and file descriptors for ever.
package struct TransportSettings: Sendable, Equatable {
    /// A keep-alive connection with no request in progress is closed after this long.
    package var idleTimeout: TimeInterval = 60
    /// A request head (request line and headers) must arrive whole within this time of its
    /// first byte, or of connecting for a connection's first request; otherwise 408 and close.
    package var requestHeadTimeout: TimeInterval = 10
    /// The longest wait for the next part of a request body the hub is ready to read.
    package var bodyTimeout: TimeInterval = 30
    /// Open connections the hub keeps at most (WebSockets included); beyond it a new
    /// connection is answered 503 and closed at once. Lowered at start to fit the process's
    /// file-descriptor limit.
    package var maxConnections: Int = 10_000
    /// Open connections from one client address at most (trusted proxies are exempt).
    package var maxConnectionsPerAddress: Int = 1_000
    /// Reverse proxies whose `X-Forwarded-Proto` is believed (the scheme the client used, for
    /// the session cookie's `Secure` and the topics' origin check); exempt from the
    /// per-address cap, since every client behind them shares their address.
    package var trustedProxies: [AddressRange] = []

    package init() {}

    /// Reads the keys under `server:`; problems are reported on the reader.
    package init(_ r: ConfigReader) {
        if let v = r.positiveDuration("idle_timeout") { idleTimeout = v }
        if let v = r.positiveDuration("request_head_timeout") { requestHeadTimeout = v }
        if let v = r.positiveDuration("body_timeout") { bodyTimeout = v }
        if let v = r.atLeast("max_connections", 1) { maxConnections = v }
        if let v = r.atLeast("max_connections_per_address", 1) { maxConnectionsPerAddress = v }
        if let list = r.stringList("trusted_proxies") {
            let ranges = list.map { AddressRange($0) }
            if let bad = zip(list, ranges).first(where: { $0.1 == nil })?.0 {
                r.problem("trusted_proxies", "'\(bad)' is not an IP address or CIDR block (e.g. 127.0.0.1, 10.0.0.0/8, ::1)")
            } else {
                trustedProxies = ranges.compactMap { $0 }
            }
        }
    }
}
