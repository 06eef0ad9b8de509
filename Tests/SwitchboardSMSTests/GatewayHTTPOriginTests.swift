import Testing

@testable import SwitchboardSMS

@Suite struct GatewayHTTPOriginTests {
    @Test func readsSchemeHostAndPortAndCutsTheTargetOffEachURL() throws {
        let plain = try #require(GatewayHTTPOrigin(url: "http://gw.local/send?to="))
        #expect(plain.tls == false && plain.host == "gw.local" && plain.port == 80 && plain.hostHeader == "gw.local")
        #expect(plain.target(of: "http://gw.local/send?to=%2B47#frag") == "/send?to=%2B47")
        #expect(plain.target(of: "http://gw.local") == "/")
        #expect(plain.target(of: "http://gw.local?to=1") == "/?to=1")

        let secure = try #require(GatewayHTTPOrigin(url: "HTTPS://nav:secret@sms.example.org:8443/api"))
        #expect(secure.tls && secure.host == "sms.example.org" && secure.port == 8443)
        #expect(secure.hostHeader == "sms.example.org:8443", "credentials in the URL are never sent as the host")
        #expect(secure.target(of: "HTTPS://nav:secret@sms.example.org:8443/api?x=1") == "/api?x=1")

        let v6 = try #require(GatewayHTTPOrigin(url: "https://[::1]:9443/x"))
        #expect(v6.host == "::1" && v6.port == 9443 && v6.hostHeader == "[::1]:9443")
    }

    @Test func refusesWhatIsNotAnHTTPOriginWithAHost() {
        for url in ["ftp://gw.local/", "gw.local/send", "http:///send", "http://gw.local:0/", "http://gw.local:99999/", "http://[::1/"] {
            #expect(GatewayHTTPOrigin(url: url) == nil, "\(url)")
        }
    }
}
