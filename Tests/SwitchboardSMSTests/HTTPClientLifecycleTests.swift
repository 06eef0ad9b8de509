import Testing

@testable import SwitchboardSMS

@Suite("HTTP client of the HTTP engines")
struct HTTPClientLifecycleTests {
    /// AsyncHTTPClient's default configuration traces every request with the process's
    /// tracer (a no-op one when none is bootstrapped, as in the hub), which cost a span and
    /// a second URL parse per send; the engines' clients turn it off.
    @Test func theEnginesClientsDoNotTraceRequests() throws {
        let gateway = HTTPGatewayConnector.Configuration(url: try GatewayTemplate("http://127.0.0.1:9/send?to={to}&text={text}"))
        let configuration = HTTPGatewayConnector.clientConfiguration(gateway)
        #expect(configuration.tracing.tracer != nil, "AsyncHTTPClient traces by default: the check below would prove nothing")
        #expect(!HTTPClientLifecycle(configuration: configuration).traces)
    }
}
