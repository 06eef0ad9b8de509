import Foundation
import NIOCore
import NIOSSL
import SwitchboardCore

/// How the connection to the SMTP server is protected.
package enum SMTPTLSMode: String, Sendable, CaseIterable {
    /// Plain connect, then `STARTTLS` before anything else is said (port 587).
    case starttls
    /// TLS from the first byte (port 465).
    case implicit
    /// No encryption (port 25); AUTH is then allowed only to a loopback host.
    case none

    package var defaultPort: Int {
        switch self {
        case .starttls: 587
        case .implicit: 465
        case .none: 25
        }
    }
}

extension SMTPConnector {
    /// One SMTP relay: where it is, how to protect and log in to it, and who mail comes from.
    /// Read and checked before the connector exists, so `check-config` shows every mistake.
    package struct Configuration: Sendable, CustomStringConvertible {
        package var host: String
        package var port: Int
        package var tls: SMTPTLSMode = .starttls
        /// A PEM file of extra trust roots (a private CA or a self-signed server certificate);
        /// the system's roots still count. Certificates are always verified.
        package var caFile: String?
        package var username: String?
        /// Never printed: `description` shows `***`.
        package var password: String?
        /// The sender of every mail (envelope and `From:`).
        package var from: MailAddress
        /// Each step: connecting, every reply, the TLS handshake.
        package var timeout: Duration = .seconds(30)
        /// Sessions kept open and sends under way at once.
        package var poolSize: Int = 2
        /// The name given in EHLO.
        package var clientName: String = SMTPConnector.Configuration.defaultClientName()

        package init(host: String, port: Int? = nil, tls: SMTPTLSMode = .starttls, from: MailAddress) {
            self.host = host
            self.tls = tls
            self.port = port ?? tls.defaultPort
            self.from = from
        }

        /// Problems that make the configuration unusable, by configuration key.
        package func problems() -> [(key: String, message: String)] {
            var out: [(String, String)] = []
            if host.isEmpty || host.contains(where: { $0 == " " || $0 == "/" }) { out.append(("host", "'\(host)' is not a host name or address")) }
            if !(1...65535).contains(port) { out.append(("port", "\(port) is outside 1...65535")) }
            if password != nil && username == nil { out.append(("password_env", "a password needs a username")) }
            if username != nil && password == nil { out.append(("password_env", "missing; a username needs a password")) }
            if username != nil && tls == .none && !SMTPConnection.isLoopback(host) {
                out.append(
                    (
                        "tls",
                        "none would send the password in clear to \(host); use starttls or implicit (tls: none allows AUTH only to a loopback host)"
                    )
                )
            }
            if timeout <= .zero { out.append(("timeout", "must be above 0")) }
            if !(1...64).contains(poolSize) { out.append(("pool_size", "must be 1...64")) }
            if tls != .none {
                do { _ = try makeTLSContext() } catch { out.append((caFile == nil ? "tls" : "ca_file", "cannot set up TLS: \(error)")) }
            } else if caFile != nil {
                out.append(("ca_file", "is only used with tls: starttls or implicit"))
            }
            return out
        }

        /// Full certificate verification against the system roots plus `ca_file`.
        func makeTLSContext() throws -> NIOSSLContext {
            var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
            tlsConfiguration.certificateVerification = .fullVerification
            if let caFile {
                guard FileManager.default.isReadableFile(atPath: caFile) else {
                    throw SMTPConfigurationError("\(caFile) does not exist or cannot be read")
                }
                let certificates = try NIOSSLCertificate.fromPEMFile(caFile)
                guard !certificates.isEmpty else { throw SMTPConfigurationError("\(caFile) holds no PEM certificate") }
                tlsConfiguration.additionalTrustRoots = [.certificates(certificates)]
            }
            return try NIOSSLContext(configuration: tlsConfiguration)
        }

        package var description: String {
            "smtp \(host):\(port) tls=\(tls.rawValue) user=\(username ?? "-") password=\(password == nil ? "-" : "***")"
                + " from=\(from.address) pool_size=\(poolSize) timeout=\(timeout)"
        }

        /// This machine's name when it looks like a domain, else `localhost`.
        static func defaultClientName() -> String {
            let name = ProcessInfo.processInfo.hostName
            let valid = !name.isEmpty && name.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 | 32 >= 97 && $0 | 32 <= 122) || $0 == 45 || $0 == 46 }
            return valid ? name : "localhost"
        }

        /// Reads the `smtp` keys, recording every problem on `reader`; `nil` if there was any.
        package static func read(_ reader: ConfigReader, environment: ConfigEnvironment) -> Configuration? {
            let before = reader.problems.count
            let host = reader.string("host", required: true)
            let port = reader.int("port", in: 1...65535)
            let tls = reader.choice("tls", SMTPTLSMode.self)
            let caFile = reader.string("ca_file")
            let username = reader.string("username")
            let password = environment.secret(reader, "password_env")
            let fromText = reader.string("from", required: true)
            let timeout = reader.duration("timeout")
            let poolSize = reader.int("pool_size", in: 1...64)
            var from: MailAddress?
            if let fromText, !fromText.isEmpty {
                do { from = try MailAddress(parsing: fromText) } catch { reader.problem("from", error.message) }
            }
            if let username, username.isEmpty { reader.problem("username", "must not be empty") }
            guard let host, !host.isEmpty, let from, reader.problems.count == before else { return nil }
            var c = Configuration(host: host, port: port, tls: tls ?? .starttls, from: from)
            c.caFile = caFile.map { ($0 as NSString).expandingTildeInPath }
            c.username = username
            c.password = password
            if let timeout { c.timeout = .nanoseconds(Int64((timeout * 1e9).rounded())) }
            if let poolSize { c.poolSize = poolSize }
            for p in c.problems() { reader.problem(p.key, p.message) }
            return reader.problems.count == before ? c : nil
        }
    }
}

/// A configuration value the TLS setup cannot use.
struct SMTPConfigurationError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
