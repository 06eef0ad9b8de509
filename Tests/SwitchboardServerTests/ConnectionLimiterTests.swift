import Testing

@testable import SwitchboardServer

@Suite("Connection caps")
struct ConnectionLimiterTests {
    @Test func capsEachAddressAndTheWhole() {
        let limiter = ConnectionLimiter(maxConnections: 3, maxPerAddress: 2)
        #expect(limiter.admit("10.0.0.1") == .admitted)
        #expect(limiter.admit("10.0.0.1") == .admitted)
        guard case .refused(let reason) = limiter.admit("10.0.0.1") else {
            Issue.record("third from one address admitted")
            return
        }
        #expect(reason.contains("server.max_connections_per_address"))
        #expect(limiter.admit("10.0.0.2") == .admitted)
        guard case .refused(let whole) = limiter.admit("10.0.0.3") else {
            Issue.record("fourth admitted")
            return
        }
        #expect(whole.contains("server.max_connections"))
        limiter.release("10.0.0.1")
        #expect(limiter.admit("10.0.0.3") == .admitted)
        #expect(limiter.openConnections == 3)
    }

    @Test func exemptAddressesCountOnlyTowardTheWhole() {
        let limiter = ConnectionLimiter(maxConnections: 5, maxPerAddress: 1, exempt: { $0 == "127.0.0.1" })
        for _ in 0..<5 { #expect(limiter.admit("127.0.0.1") == .admitted) }
        #expect(limiter.admit("127.0.0.1") != .admitted)
    }

    @Test func theCapFitsUnderTheOpenFileLimit() {
        #expect(FileDescriptorLimit.connectionCap(configured: 10_000, soft: 1024) == 1024 - FileDescriptorLimit.reserve)
        #expect(FileDescriptorLimit.connectionCap(configured: 100, soft: 1024) == 100)
        #expect(FileDescriptorLimit.connectionCap(configured: 100, soft: nil) == 100)
    }
}
