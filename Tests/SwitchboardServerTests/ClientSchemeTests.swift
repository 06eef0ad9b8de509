import HTTPTypes
import SwitchboardCore
import Testing

@testable import SwitchboardServer

@Suite("Behind a TLS proxy: trusted proxies and X-Forwarded-Proto")
struct ClientSchemeTests {
    func scheme(secureCookies: Bool = false, trusted: [String] = ["10.0.0.0/8", "::1"]) -> ClientScheme {
        var server = ServerSettings()
        server.secureCookies = secureCookies
        server.transport.trustedProxies = trusted.compactMap { AddressRange($0) }
        return ClientScheme(server)
    }

    func headers(_ proto: String...) -> HTTPFields {
        var fields = HTTPFields()
        for value in proto { fields.append(HTTPField(name: .xForwardedProto, value: value)) }
        return fields
    }

    @Test func onlyATrustedProxyIsBelieved() {
        let s = scheme()
        #expect(s.isHTTPS(headers: headers("https"), remoteAddress: "10.1.2.3"))
        #expect(s.isHTTPS(headers: headers("https"), remoteAddress: "::1"))
        #expect(!s.isHTTPS(headers: headers("https"), remoteAddress: "192.168.1.9"))
        #expect(!s.isHTTPS(headers: headers("https"), remoteAddress: nil))
        #expect(!s.isHTTPS(headers: headers("http"), remoteAddress: "10.1.2.3"))
        #expect(!s.isHTTPS(headers: headers(), remoteAddress: "10.1.2.3"))
    }

    @Test func theProxysOwnValueIsTheLast() {
        let s = scheme()
        #expect(!s.isHTTPS(headers: headers("https, http"), remoteAddress: "10.1.2.3"))
        #expect(!s.isHTTPS(headers: headers("https", "http"), remoteAddress: "10.1.2.3"))
        #expect(s.isHTTPS(headers: headers("http", " HTTPS "), remoteAddress: "10.1.2.3"))
    }

    @Test func secureCookiesMeansEveryClientUsesHTTPS() {
        #expect(scheme(secureCookies: true, trusted: []).isHTTPS(headers: headers(), remoteAddress: "192.168.1.9"))
    }

    @Test func addressRangesMatchByPrefix() throws {
        let v4 = try #require(AddressRange("10.0.0.0/8"))
        #expect(v4.contains("10.255.0.1") && !v4.contains("11.0.0.1") && v4.contains("::ffff:10.0.0.7"))
        let host = try #require(AddressRange("127.0.0.1"))
        #expect(host.contains("127.0.0.1") && !host.contains("127.0.0.2"))
        let v6 = try #require(AddressRange("fd00::/8"))
        #expect(v6.contains("fd12::1") && !v6.contains("fe80::1") && !v6.contains("10.0.0.1"))
        #expect(try #require(AddressRange("172.16.0.0/12")).contains("172.31.255.255"))
        #expect(AddressRange("10.0.0.0/33") == nil && AddressRange("proxy.local") == nil && AddressRange("10.0.0.1/") == nil)
    }
}
