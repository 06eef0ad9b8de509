import SwitchboardCore
import Testing

@Suite("server: connection timeouts and caps")
struct TransportSettingsTests {
    @Test func readsEveryKeyUnderServer() throws {
        let parsed = ConfigTestEngines.parse(
            """
            server:
              idle_timeout: 90s
              request_head_timeout: 250ms
              body_timeout: 1m
              max_connections: 500
              max_connections_per_address: 20
            """
        )
        let transport = try #require(parsed.configuration).server.transport
        #expect(transport.idleTimeout == 90 && transport.requestHeadTimeout == 0.25 && transport.bodyTimeout == 60)
        #expect(transport.maxConnections == 500 && transport.maxConnectionsPerAddress == 20)
    }

    @Test func defaultsBoundEveryWait() {
        let transport = TransportSettings()
        #expect(transport.idleTimeout == 60 && transport.requestHeadTimeout == 10 && transport.bodyTimeout == 30)
        #expect(transport.maxConnections == 10_000 && transport.maxConnectionsPerAddress == 1_000)
    }

    @Test func refusesZeroTimeoutsAndCaps() {
        let parsed = ConfigTestEngines.parse(
            """
            server:
              idle_timeout: 0s
              body_timeout: -1s
              max_connections: 0
              max_connections_per_address: 0
            """
        )
        #expect(parsed.configuration == nil)
        #expect(
            Set(parsed.paths) == ["server.idle_timeout", "server.body_timeout", "server.max_connections", "server.max_connections_per_address"]
        )
    }
}

@Suite("server.trusted_proxies")
struct TrustedProxiesSettingsTests {
    @Test func readsAddressesAndBlocksAndNamesABadOne() throws {
        let good = ConfigTestEngines.parse("server:\n  trusted_proxies: [127.0.0.1, 10.0.0.0/8, \"::1\"]\n")
        #expect(try #require(good.configuration).server.transport.trustedProxies.map(\.description) == ["127.0.0.1", "10.0.0.0/8", "::1"])
        let bad = ConfigTestEngines.parse("server:\n  trusted_proxies: [127.0.0.1, proxy.local]\n")
        #expect(bad.configuration == nil)
        #expect(bad.problem(at: "server.trusted_proxies")?.message.contains("proxy.local") == true)
    }
}
