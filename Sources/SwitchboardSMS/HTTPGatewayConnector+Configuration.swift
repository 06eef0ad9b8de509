import Foundation
import SwitchboardCore

extension HTTPGatewayConnector {
    /// Everything that describes one HTTP SMS gateway: how to build its request and how to
    /// read its answer. Templates and patterns are parsed before a connector exists, so a
    /// mistake shows in `check-config`, not at the first alarm.
    package struct Configuration: Sendable, CustomStringConvertible {
        package enum Method: String, Sendable, CaseIterable {
            case get = "GET"
            case post = "POST"
        }

        /// The request URL; placeholders are filled in percent-encoded.
        package var url: GatewayTemplate
        package var method: Method = .get
        /// The POST body; placeholders are escaped for `contentType` (JSON or percent-encoding).
        package var body: GatewayTemplate?
        package var contentType: String = "application/x-www-form-urlencoded"
        /// Sends HTTP Basic authentication when set.
        package var username: String?
        /// Never printed: `description` shows `***`, and error messages have it blanked out.
        package var password: String?
        /// When set, a 2xx answer whose body does not match is a refusal (permanent).
        package var successPattern: GatewayPattern?
        /// Its first capture group is the gateway's message id, kept as the receipt.
        package var receiptPattern: GatewayPattern?
        /// The whole request, from connecting to the last byte of the answer.
        package var timeout: Duration = .seconds(10)
        /// Connections the HTTP client keeps to the gateway: the connector's `max_in_flight`,
        /// which the dispatcher's `ConnectorGate` enforces (the engine does not limit again).
        package var maxInFlight: Int = ConnectorGate.Configuration.defaultMaxInFlight
        /// The sender id for `{from}`.
        package var from: String?
        /// HTTP statuses that mean "this gateway will never take this message".
        package var permanentStatus: Set<Int> = [400, 401, 403, 404, 422]
        /// How `{to}` is written (`number_format`, `country_code`, `trunk_prefix`).
        package var numberFormat = SMSNumberFormat()

        package init(url: GatewayTemplate) { self.url = url }

        /// JSON bodies get JSON escaping, everything else percent-encoding.
        package var bodyEscaping: GatewayTemplate.Escaping {
            let type = contentType.lowercased().split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            return type == "application/json" || type.hasSuffix("+json") ? .json : .percent
        }

        /// Problems that make the configuration unusable, by configuration key.
        package func problems() -> [(key: String, message: String)] {
            var out: [(String, String)] = []
            let sample = url.render(Self.sampleValues, escaping: .percent)
            if let u = URLComponents(string: sample), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme),
                let host = u.host, !host.isEmpty
            {
                if !Self.originIsLiteral(url) {
                    out.append(("url", "placeholders may only follow the scheme, host and port, which are written out"))
                }
            } else {
                out.append(("url", "'\(Self.redactedURL(url.description))' is not an http:// or https:// URL with a host"))
            }
            let used = url.placeholders.union(body?.placeholders ?? [])
            if used.isDisjoint(with: [.to, .toDigits]) {
                out.append(("url", "neither url nor body contains {to} or {to_digits}, so the gateway would not learn the number"))
            }
            if body != nil && method == .get { out.append(("body", "is sent only with method POST")) }
            if contentType.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                out.append(("content_type", "must not contain control characters such as line breaks (it is an HTTP header)"))
            }
            if used.contains(.from) && (from ?? "").isEmpty { out.append(("from", "missing; the url or body uses {from}")) }
            if password != nil && username == nil { out.append(("password_env", "a password needs a username")) }
            if timeout <= .zero { out.append(("timeout", "must be above 0")) }
            if let r = receiptPattern, r.captureGroups < 1 {
                out.append(("receipt_pattern", "needs a capture group, e.g. id=([0-9]+)"))
            }
            return out
        }

        static let sampleValues: [GatewayTemplate.Placeholder: String] = [
            .to: "+4712345678", .toDigits: "4712345678", .from: "sender", .text: "text", .id: "id",
        ]

        /// Whether scheme, host and port are literal text in `url`, so that every delivery goes to
        /// the one origin the connector's HTTP client is made for.
        static func originIsLiteral(_ url: GatewayTemplate) -> Bool {
            guard let origin = GatewayHTTPOrigin(url: url.description) else { return false }
            guard case .literal(let first)? = url.segments.first else { return false }
            return url.segments.count == 1 || first.utf8.count >= origin.prefixLength
        }

        /// Scheme, host and port only: what may appear in logs and errors.
        static func redactedURL(_ url: String) -> String {
            guard let u = URLComponents(string: url.replacingOccurrences(of: "{", with: "%7B").replacingOccurrences(of: "}", with: "%7D")),
                let scheme = u.scheme, let host = u.host
            else { return "(unparsable url)" }
            return "\(scheme)://\(host)\(u.port.map { ":\($0)" } ?? "")/…"
        }

        package var description: String {
            "\(method.rawValue) \(Self.redactedURL(url.description)) user=\(username ?? "-") password=\(password == nil ? "-" : "***")"
                + " timeout=\(timeout)"
        }

        /// Reads the `http-gateway` keys from `reader`, recording every problem there;
        /// `nil` if there was any.
        package static func read(_ reader: ConfigReader, environment: ConfigEnvironment) -> Configuration? {
            let before = reader.problems.count
            let urlText = reader.string("url", required: true)
            let methodText = reader.string("method")
            let bodyText = reader.string("body")
            let contentType = reader.string("content_type")
            let username = reader.string("username")
            let password = environment.secret(reader, "password_env")
            let success = pattern(reader, "success_pattern")
            let receipt = pattern(reader, "receipt_pattern")
            let timeout = reader.duration("timeout")
            let from = reader.string("from")
            let permanent = statusList(reader, "permanent_status")
            let numbers = SMSNumberFormat.read(reader)
            let url = template(reader, "url", urlText)
            let body = template(reader, "body", bodyText)

            var method = Method.get
            if let methodText {
                if let m = Method(rawValue: methodText.uppercased()) {
                    method = m
                } else {
                    reader.problem("method", "'\(methodText)' is not one of GET, POST")
                }
            }
            if let contentType, contentType.trimmingCharacters(in: .whitespaces).isEmpty {
                reader.problem("content_type", "must not be empty")
            }
            if let username, username.contains(":") { reader.problem("username", "must not contain ':' (HTTP Basic authentication)") }
            guard let url, reader.problems.count == before else { return nil }

            var c = Configuration(url: url)
            c.method = method
            c.body = body
            if let contentType { c.contentType = contentType }
            c.username = username
            c.password = password
            c.successPattern = success
            c.receiptPattern = receipt
            if let timeout { c.timeout = .nanoseconds(Int64((timeout * 1e9).rounded())) }
            c.from = from
            if let permanent { c.permanentStatus = permanent }
            c.numberFormat = numbers
            for p in c.problems() { reader.problem(p.key, p.message) }
            return reader.problems.count == before ? c : nil
        }

        static func template(_ reader: ConfigReader, _ key: String, _ text: String?) -> GatewayTemplate? {
            guard let text, !text.isEmpty else { return nil }
            do { return try GatewayTemplate(text) } catch {
                reader.problem(key, error.message)
                return nil
            }
        }

        static func pattern(_ reader: ConfigReader, _ key: String) -> GatewayPattern? {
            guard let text = reader.string(key) else { return nil }
            do { return try GatewayPattern(text) } catch {
                reader.problem(key, error.message)
                return nil
            }
        }

        static func statusList(_ reader: ConfigReader, _ key: String) -> Set<Int>? {
            guard let items = reader.stringList(key) else { return nil }
            var out: Set<Int> = []
            for item in items {
                guard let code = Int(item), (100...599).contains(code) else {
                    reader.problem(key, "'\(item)' is not an HTTP status code (100-599)")
                    continue
                }
                out.insert(code)
            }
            return out
        }
    }
}
