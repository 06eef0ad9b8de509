import Testing

@testable import SwitchboardCore

/// Origins as browsers send them and as people write them in `server.allowed_origins`.
@Suite struct WebOriginTests {
    @Test func originsAreNormalisedSoTheSameOriginComparesEqual() throws {
        let cases: [(String, String)] = [
            ("https://Hub.Example", "https://hub.example"),
            ("https://hub.example:443", "https://hub.example"),
            ("http://hub.example:80/", "http://hub.example"),
            ("http://localhost:8080", "http://localhost:8080"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("HTTPS://intranet.example:8443", "https://intranet.example:8443"),
        ]
        for (text, normal) in cases {
            #expect(WebOrigin(text)?.description == normal, "\(text)")
        }
        #expect(WebOrigin("https://hub.example") == WebOrigin(scheme: "https", authority: "HUB.example:443"))
        #expect(WebOrigin("https://hub.example") != WebOrigin("http://hub.example"), "the scheme counts")
        #expect(WebOrigin(url: "https://hub.example:8443/topics/chat?x=1")?.description == "https://hub.example:8443")
    }

    @Test func whatIsNotAnOriginIsRefused() {
        for text in [
            "hub.example", "null", "ftp://hub.example", "https://", "https://hub.example/path", "https://user@hub.example",
            "https://hub.example:0", "https://hub.example:+80", "https://hub.example:99999", "https://hub example", "https://[::1",
        ] {
            #expect(WebOrigin(text) == nil, "\(text)")
        }
    }

    @Test func allowedOriginsAreReadNormalisedAndBadOnesNamed() throws {
        let parsed = ConfigTestEngines.parse("server:\n  allowed_origins: [\"https://Intranet.Example:443/\", \"http://10.0.0.5:8080\"]\n")
        #expect(parsed.problems.isEmpty)
        #expect(parsed.configuration?.server.allowedOrigins == ["https://intranet.example", "http://10.0.0.5:8080"])
        let bad = ConfigTestEngines.parse("server:\n  allowed_origins: [\"intranet.example\"]\n")
        #expect(bad.configuration == nil)
        #expect(bad.problem(at: "server.allowed_origins")?.message.contains("'intranet.example' is not an origin") == true)
    }
}
