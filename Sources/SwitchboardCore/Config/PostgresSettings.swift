import Foundation

/// How the hub reaches PostgreSQL when several nodes share one database (`storage.postgres`).
///
/// The connection URL, with its password, is never in the file: `url_env` names the
/// environment variable that holds it, and it is read (and checked) when the configuration is,
/// so `check-config` reports a missing or malformed URL without ever printing it.
package struct PostgresSettings: Sendable, Equatable {
    /// Whether the connection is encrypted: never, when the server offers it, or always.
    package enum TLSMode: String, Sendable, Equatable, CaseIterable { case disable, prefer, require }

    /// The environment variable holding `postgres://USER:PASSWORD@HOST:PORT/DATABASE`.
    package var urlEnv: String = "DATABASE_URL"
    /// The URL read from `urlEnv`; nil until read (or when the driver is not postgres).
    package var endpoint: PostgresEndpoint?
    /// Connections the node keeps open at most.
    package var poolSize: Int = 10
    package var tls: TLSMode = .prefer
    /// PEM file of the certificate authorities that sign the server's certificate; without
    /// it the system's trust store is used.
    package var caFile: String?
    /// How long opening one connection may take, in seconds.
    package var connectTimeout: TimeInterval = 10

    package init() {}

    /// Reads `storage.postgres` (`r` may be nil when the section is absent). With `driver`
    /// postgres the URL must be in the environment and parse; problems are reported on `parent`
    /// (the `storage` reader) when the section is absent.
    package init(_ r: ConfigReader?, parent: ConfigReader, required: Bool, environment: ConfigEnvironment) {
        if let r {
            if let v = r.string("url_env") {
                if Self.isVariableName(v) { urlEnv = v } else { r.problem("url_env", "'\(v)' is not an environment variable name") }
            }
            if let v = r.int("pool_size", in: 1...1000) { poolSize = v }
            if let v = r.string("tls") {
                if let mode = TLSMode(rawValue: v) {
                    tls = mode
                } else {
                    r.problem("tls", "'\(v)' is not one of: \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            }
            if let v = r.string("ca_file") {
                if v.isEmpty {
                    r.problem("ca_file", "must not be empty")
                } else if !FileManager.default.isReadableFile(atPath: v) {
                    r.problem("ca_file", "cannot read \(v)")
                } else {
                    caFile = v
                }
            }
            if let v = r.positiveDuration("connect_timeout") { connectTimeout = v }
            if caFile != nil && tls == .disable { r.problem("ca_file", "needs tls: prefer or require") }
            r.rejectUnknownKeys()
        }
        guard required else { return }
        let reader = r ?? parent
        let key = r == nil ? "postgres" : "url_env"
        guard let url = environment.variables[urlEnv], !url.isEmpty else {
            reader.problem(key, "environment variable \(urlEnv) is not set (postgres://USER:PASSWORD@HOST:5432/DATABASE)")
            return
        }
        do {
            endpoint = try PostgresEndpoint(url: url)
        } catch {
            reader.problem(key, "environment variable \(urlEnv) \(error.message)")
        }
    }

    static func isVariableName(_ v: String) -> Bool {
        !v.isEmpty && v.first.map { !$0.isNumber } == true && v.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}
