import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SwitchboardCore

/// Talks to another system by signed HTTP: each delivery is POSTed to `url` as JSON
/// (`WebhookPayload`), and the other system posts messages in at
/// `/api/v1/connectors/NAME/webhook`, both signed with the shared secret as
/// `WebhookSignature` describes.
///
/// The answer decides between "try again / fail over" and "never", as for every connector:
///
/// | answer                                   | error     |
/// | ---------------------------------------- | --------- |
/// | connection refused or reset, timeout     | transient |
/// | 5xx, 408 Request Timeout, 429 Too Many   | transient |
/// | any other 4xx                            | permanent: the receiver refused this request |
/// | 1xx, 3xx (redirects are not followed)    | permanent: the url is wrong |
/// | 2xx                                      | sent      |
///
/// The HTTP client is made at the first send and closed when `run(sink:)` ends, like the
/// `http-gateway` engine's. Error messages name only the URL's scheme, host and port: webhook
/// URLs often carry a token in their path.
package final class WebhookConnector: WebhookReceiver {
    package let name: String
    package let engine = "webhook"
    package let channels: [ChannelName]
    package let configuration: Configuration

    private let signer: WebhookSignature
    private let client: HTTPClientLifecycle
    private let endpoint: String

    /// Answers are read this far, for the error message only.
    static let maxResponseBytes = 64 * 1024

    package init(name: String, channels: [ChannelName], configuration: Configuration) {
        self.name = name
        self.channels = channels
        self.configuration = configuration
        signer = WebhookSignature(secret: configuration.secret)
        client = HTTPClientLifecycle(configuration: Self.clientConfiguration(configuration))
        endpoint = configuration.url.map { HTTPGatewayConnector.Configuration.redactedURL($0.absoluteString) } ?? "webhook \(name)"
    }

    /// No redirects (a webhook that moved is reconfigured; its signature is not replayed to
    /// another host), no decompression, one pool of `max_in_flight` connections.
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

    /// The `webhook` engine; keys are documented on `Configuration`.
    package static let engine = ConnectorEngine(name: "webhook") { settings, reader, environment in
        guard var configuration = Configuration.read(reader, environment: environment) else { return nil }
        configuration.maxInFlight = settings.dispatch.gate.maxInFlight
        return WebhookConnector(name: settings.name, channels: settings.channels, configuration: configuration)
    }

    package var maxInboundBytes: Int { configuration.maxBodyBytes }

    package func verifySignature(_ header: String?, body: [UInt8], now: Date) throws(SwitchboardError) -> WebhookProof {
        try signer.verify(header: header, body: body, now: now, tolerance: configuration.tolerance)
    }

    package func send(_ outbound: Outbound) async throws -> Receipt {
        guard let url = configuration.url else {
            throw ConnectorError.permanent("webhook connector \(name) has no url; it only receives")
        }
        let body: [UInt8]
        do { body = try WebhookPayload(outbound).encoded() } catch {
            throw ConnectorError.permanent("cannot encode the delivery as JSON: \(error)")
        }
        let request = makeRequest(url: url, body: body, outbound: outbound, timestamp: Int(Date().timeIntervalSince1970))
        guard let http = client.lease() else { throw ConnectorError.transient("connector \(name) is shut down") }
        defer { client.giveBack() }
        let status: Int
        let answer: String
        do {
            let response = try await http.execute(request, deadline: .now() + TimeAmount(configuration.timeout))
            status = Int(response.status.code)
            answer = String(buffer: try await response.body.collect(upTo: Self.maxResponseBytes))
        } catch {
            throw ConnectorError.transient(describe(error))
        }
        try outcome(status: status, body: answer)
        return Receipt(id: nil)
    }

    /// Waits for the hub to stop, then lets sends under way finish and closes the HTTP client.
    package func run(sink: any InboundSink) async throws {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        await shutdown()
    }

    /// For hosts and tests that never call `run(sink:)`; safe to call twice.
    package func shutdown() async { await client.shutdown() }

    func makeRequest(url: URL, body: [UInt8], outbound: Outbound, timestamp: Int) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "switchboard")
        request.headers.add(name: WebhookSignature.headerName, value: signer.header(body: body, timestamp: timestamp))
        request.headers.add(name: "X-Switchboard-Delivery", value: outbound.delivery.id)
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }

    /// Reads the receiver's status into success or a `ConnectorError` (see the type's table).
    func outcome(status: Int, body: String) throws(ConnectorError) {
        if (200..<300).contains(status) { return }
        let line = body.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        let snippet = line.isEmpty ? "(empty)" : (line.count > 200 ? String(line.prefix(200)) + "…" : line)
        let answer = "\(endpoint) answered HTTP \(status): \(snippet)"
        if status >= 500 || status == 408 || status == 429 { throw .transient(answer) }
        throw .permanent(answer)
    }

    func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError {
            if e == .deadlineExceeded { return "\(endpoint): no answer within \(configuration.timeout)" }
            if e == .connectTimeout { return "\(endpoint): could not connect within \(configuration.timeout)" }
        }
        if error is CancellationError { return "\(endpoint): request cancelled" }
        return "\(endpoint): request failed: \(error)"
    }
}
