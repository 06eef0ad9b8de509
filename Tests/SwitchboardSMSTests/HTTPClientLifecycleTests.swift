import Foundation
import Testing

@testable import SwitchboardSMS

@Suite("HTTP client of the webhook engine")
struct HTTPClientLifecycleTests {
    /// AsyncHTTPClient's default configuration traces every request with the process's
    /// tracer (a no-op one when none is bootstrapped, as in the hub), which cost a span and
    /// a second URL parse per send; the webhook engine's client turns it off (the
    /// `http-gateway` engine has its own client, `GatewayHTTPClient`, which has no tracing).
    @Test func theWebhookClientDoesNotTraceRequests() throws {
        let webhook = WebhookConnector.Configuration(url: URL(string: "http://127.0.0.1:9/hook"), secret: "0123456789abcdef0123")
        let configuration = WebhookConnector.clientConfiguration(webhook)
        #expect(configuration.tracing.tracer != nil, "AsyncHTTPClient traces by default: the check below would prove nothing")
        #expect(!HTTPClientLifecycle(configuration: configuration).traces)
    }
}
