import Foundation
import SwitchboardCore

extension KannelConnector {
    /// One Kannel smsbox: where its sendsms interface is, the sendsms-user to send as, and
    /// how Kannel calls the hub back (delivery reports, and inbound messages through an
    /// sms-service `get-url`), all proved by one per-connector secret.
    ///
    /// Keys (`engine: kannel`):
    ///
    /// | key                  | meaning |
    /// | -------------------- | ------- |
    /// | `url`                | required: the sendsms URL, e.g. `http://127.0.0.1:13013/cgi-bin/sendsms`, no query |
    /// | `username`           | required: the `sendsms-user` group's `username` |
    /// | `password_env`       | required: environment variable holding its `password` |
    /// | `from`               | sender id (`from`); Kannel's default sender when absent |
    /// | `dlr_url`            | the hub's base URL as Kannel reaches it, e.g. `http://127.0.0.1:8080`; asks for delivery reports |
    /// | `dlr_mask`           | Kannel DLR types wanted, 1-31. Default 31 (delivered, failed, buffered, submitted, rejected) |
    /// | `inbound_secret_env` | environment variable holding the secret callbacks carry: 16-256 of `A-Z a-z 0-9 - . _ ~` |
    /// | `timeout`            | the whole sendsms request. Default 10s |
    /// | `permanent_status`   | HTTP statuses that are permanent refusals. Default [400, 401, 403, 404, 422] |
    /// | `number_format`      | how `to` is written: `e164` (default), `international`, `00` or `national`; see `SMSNumberFormat` |
    /// | `country_code`       | the country of national numbers, e.g. `47`; needed by `national` |
    /// | `trunk_prefix`       | what national numbers start with. Default `0` |
    package struct Configuration: Sendable, CustomStringConvertible {
        package var url: String
        package var username: String
        /// Never printed; blanked out of every error.
        package var password: String
        package var from: String?
        /// Without a trailing `/`.
        package var dlrURL: String?
        package var dlrMask: Int = 31
        /// Never printed; blanked out of every error.
        package var inboundSecret: String?
        package var timeout: Duration = .seconds(10)
        /// Connections kept to the smsbox: the connector's `max_in_flight` (enforced by the dispatcher's gate).
        package var maxInFlight: Int = ConnectorGate.Configuration.defaultMaxInFlight
        package var permanentStatus: Set<Int> = [400, 401, 403, 404, 422]
        /// How numbers are written to Kannel and read from it.
        package var numberFormat = SMSNumberFormat()

        package init(url: String, username: String, password: String) {
            self.url = url
            self.username = username
            self.password = password
        }

        /// The sendsms request for the `http-gateway` engine's template, GSM 7-bit or UCS-2.
        ///
        /// Everything but `{to}`, `{text}` and `{id}` is fixed here, percent-encoded. Text goes
        /// as UTF-8 with `charset=UTF-8`; for UCS-2 `coding=2` makes Kannel convert it to
        /// UTF-16BE itself (its sendsms `charset` parameter), which reaches the SMSC as the same
        /// bytes as sending UTF-16BE would. The `dlr-url` is one parameter value, encoded as a
        /// whole: Kannel decodes it once and fills in `%d` (DLR type) and `%A` (SMSC answer).
        /// `{id}` inside it is encoded once only, which is the same thing for the hub's ids
        /// (UUIDs: nothing outside `A-Z a-z 0-9 -`).
        func urlTemplate(connector name: String, ucs2: Bool) -> String {
            let e = GatewayTemplate.percentEncode
            var t = "\(url)?username=\(e(username))&password=\(e(password))&to={to}&text={text}&charset=UTF-8"
            if ucs2 { t += "&coding=2" }
            if let from { t += "&from=\(e(from))" }
            if let dlrURL, let inboundSecret {
                let prefix = "\(dlrURL)/api/v1/connectors/\(e(name))/dlr?delivery="
                let suffix = "&status=%d&detail=%A&secret=\(e(inboundSecret))"
                t += "&dlr-mask=\(dlrMask)&dlr-url=\(e(prefix)){id}\(e(suffix))"
            }
            return t
        }

        /// The `http-gateway` configuration that sends for this Kannel.
        func gateway(connector name: String, ucs2: Bool) throws(TemplateError) -> HTTPGatewayConnector.Configuration {
            var c = HTTPGatewayConnector.Configuration(url: try GatewayTemplate(urlTemplate(connector: name, ucs2: ucs2)))
            c.timeout = timeout
            c.maxInFlight = maxInFlight
            c.permanentStatus = permanentStatus
            c.numberFormat = numberFormat
            return c
        }

        /// Every secret in the forms it can appear in: as is, percent-encoded in the sendsms
        /// URL, and encoded twice inside the `dlr-url` value.
        var secrets: [String] {
            [password, inboundSecret].compactMap { $0 }.filter { !$0.isEmpty }.flatMap { s in
                [s, GatewayTemplate.percentEncode(s), GatewayTemplate.percentEncode(GatewayTemplate.percentEncode(s))]
            }
        }

        package var description: String {
            "kannel \(HTTPGatewayConnector.Configuration.redactedURL(url)) user=\(username) password=***"
                + " from=\(from ?? "-") dlr_url=\(dlrURL ?? "-") dlr_mask=\(dlrMask) inbound_secret=\(inboundSecret == nil ? "-" : "***")"
                + " timeout=\(timeout) max_in_flight=\(maxInFlight) \(numberFormat)"
        }

        static let secretCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

        /// Reads the `kannel` keys, recording every problem in `reader`; `nil` if there was any.
        package static func read(_ reader: ConfigReader, environment: ConfigEnvironment) -> Configuration? {
            let before = reader.problems.count
            let url = baseURL(reader, "url", required: true)
            let username = reader.string("username", required: true)
            if !reader.has("password_env") { reader.problem("password_env", "missing; name the variable holding the sendsms-user's password") }
            let password = environment.secret(reader, "password_env")
            let from = reader.string("from")
            let dlrURL = baseURL(reader, "dlr_url", required: false)
            let dlrMask = reader.int("dlr_mask", in: 1...31)
            let secret = environment.secret(reader, "inbound_secret_env")
            let timeout = reader.duration("timeout")
            let permanent = HTTPGatewayConnector.Configuration.statusList(reader, "permanent_status")
            let numbers = SMSNumberFormat.read(reader)

            if let secret, !((16...256).contains(secret.count) && secret.allSatisfy(secretCharacters.contains)) {
                reader.problem(
                    "inbound_secret_env",
                    "the secret must be 16-256 characters of A-Z, a-z, 0-9, '-', '.', '_' or '~' (it goes into Kannel's URLs as is)"
                )
            }
            if dlrURL != nil && secret == nil && !reader.has("inbound_secret_env") {
                reader.problem("dlr_url", "needs inbound_secret_env: delivery reports are accepted only with the connector's secret")
            }
            if dlrMask != nil && dlrURL == nil { reader.problem("dlr_mask", "has no effect without dlr_url") }
            if let username, username.isEmpty { reader.problem("username", "must not be empty") }
            if let timeout, timeout <= 0 { reader.problem("timeout", "must be above 0") }
            guard let url, let username, let password, reader.problems.count == before else { return nil }

            var c = Configuration(url: url, username: username, password: password)
            c.from = from.flatMap { $0.isEmpty ? nil : $0 }
            c.dlrURL = dlrURL
            if let dlrMask { c.dlrMask = dlrMask }
            c.inboundSecret = secret
            if let timeout { c.timeout = .nanoseconds(Int64((timeout * 1e9).rounded())) }
            if let permanent { c.permanentStatus = permanent }
            c.numberFormat = numbers
            return c
        }

        /// An `http`/`https` URL with a host and no query, fragment or braces, without a trailing `/`.
        static func baseURL(_ reader: ConfigReader, _ key: String, required: Bool) -> String? {
            guard let text = reader.string(key, required: required), !text.isEmpty else { return nil }
            let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
            guard let u = URLComponents(string: trimmed), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme),
                let host = u.host, !host.isEmpty
            else {
                reader.problem(key, "'\(HTTPGatewayConnector.Configuration.redactedURL(text))' is not an http:// or https:// URL with a host")
                return nil
            }
            guard u.query == nil, u.fragment == nil, !trimmed.contains("{"), !trimmed.contains("}"), u.user == nil, u.password == nil else {
                reader.problem(
                    key,
                    "give the URL without a query, fragment, credentials or {placeholders}; the kannel engine adds the parameters itself"
                )
                return nil
            }
            return trimmed
        }
    }
}
