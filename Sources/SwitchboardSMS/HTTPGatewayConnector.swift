import AsyncHTTPClient
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
/// The HTTP client is made at the first send and shut down when `run(sink:)` ends (or by
/// `shutdown()`); a connector that is only checked or never sends never opens one. Once shut
/// down, sends fail transiently and stay due in the outbox.
package final class HTTPGatewayConnector: Connector {
    package let name: String
    package let engine = "http-gateway"
    package let channels: [ChannelName]
    package let configuration: Configuration

    private let client: HTTPClientLifecycle
    /// `scheme://host:port/…` for error messages: never the path, query or credentials.
    private let endpoint: String

    /// Answers larger than this are not read (gateway answers are a line or a small JSON).
    static let maxResponseBytes = 256 * 1024

    package init(name: String, channels: [ChannelName] = [.sms], configuration: Configuration) {
        self.name = name
        self.channels = channels
        self.configuration = configuration
        client = HTTPClientLifecycle(configuration: Self.clientConfiguration(configuration))
        endpoint = Configuration.redactedURL(configuration.url.description)
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
        guard let http = client.lease() else { throw ConnectorError.transient("connector \(name) is shut down") }
        defer { client.giveBack() }
        let status: Int
        let body: String
        do {
            let response = try await http.execute(request, deadline: .now() + TimeAmount(configuration.timeout))
            status = Int(response.status.code)
            body = String(buffer: try await response.body.collect(upTo: Self.maxResponseBytes))
        } catch {
            throw ConnectorError.transient(describe(error))
        }
        return try outcome(status: status, body: body)
    }

    /// Waits for the hub to stop, then lets sends under way finish and closes the HTTP client.
    package func run(sink: any InboundSink) async throws {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        await shutdown()
    }

    /// Refuses new sends, waits for those under way (each ends within `timeout`), and closes
    /// the HTTP client. For hosts and tests that never call `run(sink:)`; safe to call twice.
    package func shutdown() async { await client.shutdown() }

    // MARK: - Request and answer

    /// The gateway's request; a permanent error when the address cannot receive SMS.
    func makeRequest(_ outbound: Outbound) throws(ConnectorError) -> HTTPClientRequest {
        let to = try configuration.numberFormat.outbound(outbound.address)
        let values: [GatewayTemplate.Placeholder: String] = [
            .to: to, .toDigits: to.hasPrefix("+") ? String(to.dropFirst()) : to,
            .from: configuration.from ?? "", .text: outbound.message.text, .id: outbound.delivery.id,
        ]
        var request = HTTPClientRequest(url: configuration.url.render(values, escaping: .percent))
        request.headers.add(name: "User-Agent", value: "switchboard")
        switch configuration.method {
        case .get:
            request.method = .GET
        case .post:
            request.method = .POST
            let body = configuration.body?.render(values, escaping: configuration.bodyEscaping) ?? ""
            request.headers.add(name: "Content-Type", value: configuration.contentType)
            request.body = .bytes(ByteBuffer(string: body))
        }
        if let username = configuration.username {
            let token = Data("\(username):\(configuration.password ?? "")".utf8).base64EncodedString()
            request.headers.add(name: "Authorization", value: "Basic \(token)")
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
        if let e = error as? HTTPClientError {
            if e == .deadlineExceeded { return "\(endpoint): no answer within \(configuration.timeout)" }
            if e == .connectTimeout { return "\(endpoint): could not connect within \(configuration.timeout)" }
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

    static func clientConfiguration(_ c: Configuration) -> HTTPClient.Configuration {
        var pool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, c.maxInFlight)
        )
        pool.retryConnectionEstablishment = false
        return HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(c.timeout)),
            connectionPool: pool,
            decompression: .disabled
        )
    }
}
