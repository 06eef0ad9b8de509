import SwitchboardCore

extension SMTPInboundConnector {
    /// Where the listener listens and what it accepts. Read before the connector exists, so a
    /// bad `listen` or an empty `domains` shows in `check-config`.
    package struct Configuration: Sendable, Equatable {
        package var host: String = "127.0.0.1"
        package var port: Int = 2525
        package var protocolKind: SMTPInboundProtocol = .smtp
        /// Lower-cased; RCPT TO for any other domain gets 550.
        package var domains: Set<String>
        /// Bytes; larger mail gets 552.
        package var maxSize: Int = 10 * 1024 * 1024
        /// The name in the greeting and EHLO answer.
        package var hostname: String = "switchboard"
        /// A client silent this long is disconnected.
        package var idleTimeout: Duration = .seconds(300)

        package init(domains: Set<String>) { self.domains = Set(domains.map { $0.lowercased() }) }

        /// Reads `listen`, `protocol`, `domains`, `max_size`, `hostname`.
        package static func read(_ reader: ConfigReader) -> Configuration? {
            let before = reader.problems.count
            let listen = reader.string("listen")
            let proto = reader.choice("protocol", SMTPInboundProtocol.self)
            let domains = reader.stringList("domains")
            let maxSize = reader.int("max_size", in: 1024...(1 << 30))
            let hostname = reader.string("hostname")
            var c = Configuration(domains: Set(domains ?? []))
            if let listen {
                if let (host, port) = Self.parseListen(listen) {
                    c.host = host
                    c.port = port
                } else {
                    reader.problem("listen", "'\(listen)' is not host:port, e.g. 127.0.0.1:2525 or [::1]:2525")
                }
            }
            if domains == nil {
                reader.problem("domains", "missing; list the mail domains this listener accepts, e.g. [alerts.example.org]")
            } else if domains!.isEmpty {
                reader.problem("domains", "must list at least one domain")
            }
            for d in domains ?? [] where d.isEmpty || d.contains("@") || d.contains(" ") {
                reader.problem("domains", "'\(d)' is not a domain name")
            }
            if let proto { c.protocolKind = proto }
            if let maxSize { c.maxSize = maxSize }
            if let hostname, !hostname.isEmpty { c.hostname = hostname }
            return reader.problems.count == before ? c : nil
        }

        static func parseListen(_ text: String) -> (String, Int)? {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
                return nil
            }
            var host = String(text[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            return host.isEmpty ? nil : (host, port)
        }
    }
}

/// The dialect the listener speaks: SMTP for mail clients and relays, LMTP (RFC 2033) behind
/// an MTA such as Postfix, which then learns the fate of each recipient separately.
package enum SMTPInboundProtocol: String, Sendable, CaseIterable { case smtp, lmtp }
