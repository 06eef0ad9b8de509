import Foundation
import NIOSSL
import SwitchboardCore

/// How the XMPP connection is protected.
package enum XMPPTLSMode: String, Sendable, CaseIterable {
    /// STARTTLS before anything else; a server that does not offer it is refused.
    case required
    /// STARTTLS when offered; otherwise plain, where only SCRAM may log in (never PLAIN).
    case optional
    /// Never TLS (a loopback test server); SCRAM only.
    case none
}

/// Whose presence subscription requests the connector approves (RFC 6121 §3).
package enum XMPPSubscriptionPolicy: String, Sendable, CaseIterable {
    /// Anyone the hub knows: a contact with that `xmpp:` address.
    case contacts
    case everyone
    /// Every request is refused.
    case none
}

extension XMPPConnector {
    /// One client account on an XMPP server: who we are, where the server is, how to protect
    /// the link, and the connector's limits. Read and checked before the connector exists.
    package struct Configuration: Sendable, CustomStringConvertible {
        package var jid: JID
        /// Never printed: `description` shows `***`.
        package var password: String
        /// Where to connect; the JID's domain when not given (no SRV lookup).
        package var host: String
        package var port: Int = 5222
        package var resource = "switchboard"
        package var tls: XMPPTLSMode = .required
        /// A PEM file of extra trust roots (a private CA); the system's roots still count.
        package var caFile: String?
        package var subscriptions: XMPPSubscriptionPolicy = .contacts
        /// XEP-0199: a ping this often; one unanswered by the next is a dead link.
        package var pingInterval: Duration = .seconds(60)
        /// Connecting and setting up the session (TLS, SASL, bind).
        package var timeout: Duration = .seconds(30)
        /// How long `send` waits for the server's acknowledgement before the dispatcher retries.
        package var sendTimeout: Duration = .seconds(20)
        /// Reconnection back-off: the first pause, doubled up to the cap, plus up to a quarter at random.
        package var reconnectDelay: Duration = .seconds(1)
        package var reconnectMaxDelay: Duration = .seconds(300)
        package var limits = XMLStreamLimits()

        package init(jid: JID, password: String, host: String? = nil) {
            self.jid = jid
            self.password = password
            self.host = host ?? jid.domain
        }

        package var description: String {
            "xmpp \(jid.bare) via \(host):\(port) tls=\(tls.rawValue) password=*** subscriptions=\(subscriptions.rawValue)"
        }

        /// Full certificate verification against the system roots plus `ca_file`.
        func makeTLSContext() throws -> NIOSSLContext {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .fullVerification
            if let caFile {
                guard FileManager.default.isReadableFile(atPath: caFile) else {
                    throw XMPPConfigurationError("\(caFile) does not exist or cannot be read")
                }
                let certificates = try NIOSSLCertificate.fromPEMFile(caFile)
                guard !certificates.isEmpty else { throw XMPPConfigurationError("\(caFile) holds no PEM certificate") }
                configuration.additionalTrustRoots = [.certificates(certificates)]
            }
            return try NIOSSLContext(configuration: configuration)
        }

        /// Reads the `xmpp` keys, recording every problem on `reader`; `nil` if there was any.
        package static func read(_ reader: ConfigReader, environment: ConfigEnvironment) -> Configuration? {
            let before = reader.problems.count
            let jidText = reader.string("jid", required: true)
            let password = environment.secret(reader, "password_env")
            if !reader.has("password_env") { reader.problem("password_env", "missing; name the environment variable holding the password") }
            let host = reader.string("host")
            let port = reader.int("port", in: 1...65535)
            let resource = reader.string("resource")
            let tls = reader.choice("tls", XMPPTLSMode.self)
            let caFile = reader.string("ca_file")
            let subscriptions = reader.choice("subscriptions", XMPPSubscriptionPolicy.self)
            let ping = reader.duration("ping_interval")
            let timeout = reader.duration("timeout")
            let sendTimeout = reader.duration("send_timeout")
            let delay = reader.duration("reconnect_delay")
            let maxDelay = reader.duration("reconnect_max_delay")
            let stanzaBytes = reader.int("max_stanza_bytes", in: 10_000...16_777_216)
            var jid: JID?
            if let jidText {
                jid = JID(jidText)
                if jid?.local == nil || jid?.resource != nil { reader.problem("jid", "'\(jidText)' is not a bare JID (user@domain)") }
            }
            if let host, host.isEmpty || host.contains(where: { $0 == " " || $0 == "/" }) {
                reader.problem("host", "'\(host)' is not a host name or address")
            }
            if let resource, resource.isEmpty || resource.contains("/") { reader.problem("resource", "must not be empty") }
            for (key, value) in [("ping_interval", ping), ("timeout", timeout), ("send_timeout", sendTimeout), ("reconnect_delay", delay)] {
                if let value, value <= 0 { reader.problem(key, "must be above 0") }
            }
            guard let jid, jid.local != nil, jid.resource == nil, let password, reader.problems.count == before else { return nil }
            var c = Configuration(jid: jid, password: password, host: host)
            if let port { c.port = port }
            if let resource { c.resource = resource }
            if let tls { c.tls = tls }
            c.caFile = caFile.map { ($0 as NSString).expandingTildeInPath }
            if let subscriptions { c.subscriptions = subscriptions }
            if let ping { c.pingInterval = .seconds(ping) }
            if let timeout { c.timeout = .seconds(timeout) }
            if let sendTimeout { c.sendTimeout = .seconds(sendTimeout) }
            if let delay { c.reconnectDelay = .seconds(delay) }
            if let maxDelay { c.reconnectMaxDelay = .seconds(maxDelay) }
            if let stanzaBytes { c.limits.maxStanzaBytes = stanzaBytes }
            if c.reconnectMaxDelay < c.reconnectDelay { reader.problem("reconnect_max_delay", "is below reconnect_delay") }
            if c.tls != .none {
                do { _ = try c.makeTLSContext() } catch { reader.problem(caFile == nil ? "tls" : "ca_file", "cannot set up TLS: \(error)") }
            } else if caFile != nil {
                reader.problem("ca_file", "is only used with tls: required or optional")
            }
            return reader.problems.count == before ? c : nil
        }
    }
}

/// A configuration value the TLS setup cannot use.
struct XMPPConfigurationError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
