import Foundation
import SwitchboardCore

extension WebhookConnector {
    /// One webhook peer: where deliveries are POSTed, the shared secret that signs both
    /// directions, and how strict the inbound endpoint is.
    ///
    /// Keys (`engine: webhook`):
    ///
    /// | key              | meaning |
    /// | ---------------- | ------- |
    /// | `url`            | where deliveries are POSTed (`http://` or `https://`); without it the connector only receives |
    /// | `secret_env`     | required: environment variable holding the shared secret (at least 16 characters) |
    /// | `timeout`        | the whole outbound request, connecting included. Default 10s |
    /// | `tolerance`      | inbound: how far the signed timestamp may be from the hub's clock, either way. Default 300s |
    /// | `max_body_bytes` | inbound: largest body accepted (413 above). Default 65536 |
    package struct Configuration: Sendable, CustomStringConvertible {
        package var url: URL?
        /// Never printed; only its HMAC leaves the hub.
        package var secret: String
        package var timeout: Duration = .seconds(10)
        /// Connections kept to `url`: the connector's `max_in_flight` (enforced by the dispatcher's gate).
        package var maxInFlight: Int = ConnectorGate.Configuration.defaultMaxInFlight
        package var tolerance: TimeInterval = 300
        package var maxBodyBytes: Int = 65536

        package init(url: URL?, secret: String) {
            self.url = url
            self.secret = secret
        }

        package var description: String {
            "webhook \(url.map { HTTPGatewayConnector.Configuration.redactedURL($0.absoluteString) } ?? "(receive only)") secret=***"
                + " timeout=\(timeout) max_in_flight=\(maxInFlight) tolerance=\(Int(tolerance))s max_body_bytes=\(maxBodyBytes)"
        }

        /// Reads the `webhook` keys, recording every problem in `reader`; `nil` if there was any.
        package static func read(_ reader: ConfigReader, environment: ConfigEnvironment) -> Configuration? {
            let before = reader.problems.count
            let urlText = reader.string("url")
            if !reader.has("secret_env") { reader.problem("secret_env", "missing; name the environment variable holding the shared secret") }
            let secret = environment.secret(reader, "secret_env")
            let timeout = reader.duration("timeout")
            let tolerance = reader.duration("tolerance")
            let maxBody = reader.int("max_body_bytes", in: 1024...(16 << 20))

            var url: URL?
            if let urlText {
                if let u = URL(string: urlText), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme),
                    let host = u.host, !host.isEmpty
                {
                    url = u
                } else {
                    reader.problem(
                        "url",
                        "'\(HTTPGatewayConnector.Configuration.redactedURL(urlText))' is not an http:// or https:// URL with a host"
                    )
                }
            }
            if let secret, secret.count < 16 {
                reader.problem("secret_env", "the secret is \(secret.count) characters; use at least 16 (e.g. openssl rand -hex 32)")
            }
            if let timeout, timeout <= 0 { reader.problem("timeout", "must be above 0") }
            if let tolerance, !(1...86_400).contains(tolerance) { reader.problem("tolerance", "must be between 1s and 24h") }
            guard let secret, reader.problems.count == before else { return nil }

            var c = Configuration(url: url, secret: secret)
            if let timeout { c.timeout = .nanoseconds(Int64((timeout * 1e9).rounded())) }
            if let tolerance { c.tolerance = tolerance }
            if let maxBody { c.maxBodyBytes = maxBody }
            return c
        }
    }
}
