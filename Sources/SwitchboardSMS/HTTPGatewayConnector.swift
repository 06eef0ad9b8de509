import Foundation
import NIOCore
import NIOHTTP1
import SwitchboardCore

/// Sends SMS through an operator's or an in-house HTTP-to-SMS gateway (Kannel, PlaySMS, a
/// cloud SMS API): one templated GET or POST per delivery, the answer read for success and
/// the gateway's message id.
///
/// Why this shape: every gateway has its own URL syntax, so the request is a template (NAV's
/// HttpGetDispatcher, generalised to POST and Basic authentication), and the answer decides
/// between "try again / fail over" and "never":
///
/// | answer                                             | error       |
/// | -------------------------------------------------- | ----------- |
/// | connection refused or reset, timeout               | transient   |
/// | status listed in `permanent_status`                | permanent   |
/// | any other status outside 2xx (5xx, 429, 3xx, …)     | transient   |
/// | 2xx, but `success_pattern` set and not found       | permanent   |
/// | 2xx                                                | sent; receipt from `receipt_pattern` |
///
/// Redirects are not followed (a gateway that moved should be reconfigured, not have its
/// credentials replayed to another host). A refused connection fails at once instead of
/// being retried until the timeout, so the dispatcher fails over without delay.
///
/// The HTTP client (`GatewayHTTPClient`, one origin, a keep-alive pool of `max_in_flight`
/// connections) opens no connection until the first send, and is shut down when `run(sink:)`
/// ends (or by `shutdown()`). Once shut down, sends fail transiently and stay due in the outbox.
package final class HTTPGatewayConnector: Connector {
    package let name: String
    package let engine = "http-gateway"
    package let channels: [ChannelName]
    package let configuration: Configuration

    /// `nil` only if the URL's origin cannot be read, which `Configuration.problems()` reports.
    private let client: GatewayHTTPClient?
    /// `scheme://host:port/…` for error messages: never the path, query or credentials.
    private let endpoint: String
    /// The headers every request carries (user agent, content type, authorization), built once.
    private let baseHeaders: HTTPHeaders

    /// Answers larger than this are not read (gateway answers are a line or a small JSON).
    static let maxResponseBytes = 256 * 1024

    package init(name: String, channels: [ChannelName] = [.sms], configuration: Configuration) {
        self.name = name
        self.channels = channels
        self.configuration = configuration
        client = GatewayHTTPOrigin(url: configuration.url.description).map {
            // Every header is the engine's own or checked in `Configuration.problems()`.
            GatewayHTTPClient(
                origin: $0,
                maxConnections: configuration.maxInFlight,
                maxBodyBytes: Self.maxResponseBytes,
                validatesHeaders: false
            )
        }
        endpoint = Configuration.redactedURL(configuration.url.description)
        var headers = HTTPHeaders()
        headers.add(name: "User-Agent", value: "switchboard")
        if configuration.method == .post { headers.add(name: "Content-Type", value: configuration.contentType) }
        if let username = configuration.username {
            let token = Data("\(username):\(configuration.password ?? "")".utf8).base64EncodedString()
            headers.add(name: "Authorization", value: "Basic \(token)")
        }
        baseHeaders = headers
    }

    /// The `http-gateway` engine; keys are documented on `Configuration` and in
    /// `switchboard.example.yaml`.
    package static let engine = ConnectorEngine(name: "http-gateway") { settings, reader, environment in
        guard var configuration = Configuration.read(reader, environment: environment) else { return nil }
        configuration.maxInFlight = settings.dispatch.gate.maxInFlight
        return HTTPGatewayConnector(name: settings.name, channels: settings.channels, configuration: configuration)
    }

    package func send(_ outbound: Outbound) async throws -> Receipt {
        let request = try makeRequest(outbound)
        guard let client else { throw ConnectorError.permanent("\(endpoint) is not an http:// or https:// URL with a host") }
        let response: GatewayHTTPResponse
        do {
            response = try await client.execute(request, timeout: TimeAmount(configuration.timeout))
        } catch {
            throw ConnectorError.transient(describe(error))
        }
        return try outcome(status: response.status, body: String(buffer: response.body))
    }

    /// Waits for the hub to stop, then lets sends under way finish and closes the HTTP client.
    package func run(sink: any InboundSink) async throws {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        await shutdown()
    }

    /// Refuses new sends, waits for those under way (each ends within `timeout`), and closes
    /// the HTTP client. For hosts and tests that never call `run(sink:)`; safe to call twice.
    package func shutdown() async { await client?.shutdown() }

    // MARK: - Request and answer

    /// The gateway's request; a permanent error when the address cannot receive SMS.
    func makeRequest(_ outbound: Outbound) throws(ConnectorError) -> GatewayHTTPRequest {
        let to = try configuration.numberFormat.outbound(outbound.address)
        let values: [GatewayTemplate.Placeholder: String] = [
            .to: to, .toDigits: to.hasPrefix("+") ? String(to.dropFirst()) : to,
            .from: configuration.from ?? "", .text: outbound.message.text, .id: outbound.delivery.id,
        ]
        let url = configuration.url.render(values, escaping: .percent)
        var request = GatewayHTTPRequest(target: client?.origin.target(of: url) ?? "/", headers: baseHeaders)
        if configuration.method == .post {
            request.method = .POST
            request.body = ByteBuffer(string: configuration.body?.render(values, escaping: configuration.bodyEscaping) ?? "")
        }
        return request
    }

    /// Reads the gateway's answer into a receipt or a `ConnectorError` (see the type's table).
    func outcome(status: Int, body: String) throws(ConnectorError) -> Receipt {
        if (200..<300).contains(status) {
            if let success = configuration.successPattern, !success.matches(body) {
                throw .permanent("\(endpoint) refused the message (HTTP \(status), answer not matching success_pattern): \(snippet(body))")
            }
            return Receipt(id: configuration.receiptPattern?.firstCapture(in: body))
        }
        let answer = "\(endpoint) answered HTTP \(status): \(snippet(body))"
        if configuration.permanentStatus.contains(status) { throw .permanent(answer) }
        throw .transient(answer)
    }

    func describe(_ error: any Error) -> String {
        if let e = error as? GatewayHTTPError {
            switch e.code {
            case .deadlineExceeded: return "\(endpoint): no answer within \(configuration.timeout)"
            case .connectTimeout: return "\(endpoint): could not connect within \(configuration.timeout)"
            case .cancelled: return "\(endpoint): request cancelled"
            case .shutdown: return "connector \(name) is shut down"
            default: break
            }
        }
        if error is CancellationError { return "\(endpoint): request cancelled" }
        return redact("\(endpoint): request failed: \(error)")
    }

    /// The start of an answer, on one line, for the delivery's last error.
    func snippet(_ body: String) -> String {
        let line = body.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        let short = line.count > 200 ? String(line.prefix(200)) + "…" : line
        return redact(short.isEmpty ? "(empty)" : short)
    }

    /// Blanks the password out of anything that may be stored or logged (a gateway may echo it).
    func redact(_ text: String) -> String {
        guard let password = configuration.password, !password.isEmpty else { return text }
        return text.replacingOccurrences(of: password, with: "***")
            .replacingOccurrences(of: GatewayTemplate.percentEncode(password), with: "***")
    }
}
