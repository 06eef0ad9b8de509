import SwitchboardCore
import Testing

@testable import SwitchboardSMS

@Suite struct HTTPGatewayConfiguration {
    func messages(_ problems: [ConfigProblem]) -> [String] { problems.map { "\($0.path): \($0.message)" } }

    @Test func aFullConfigurationIsRead() throws {
        let (made, problems) = Gateway.make(
            [
                "url": "https://sms.example.org/api/send", "method": "POST", "body": "to={to}&msg={text}&ref={id}&from={from}",
                "content_type": "application/x-www-form-urlencoded; charset=utf-8", "username": "nav", "password_env": "GW_PASS",
                "success_pattern": "^OK", "receipt_pattern": "id=([0-9]+)", "timeout": "2500ms",
                "from": "NAV", "permanent_status": .list(["400", "410"]),
            ],
            env: ["GW_PASS": "hunter2"]
        )
        #expect(problems.isEmpty, "\(problems)")
        let c = try #require(made).configuration
        #expect(c.method == .post && c.body?.placeholders == [.to, .text, .id, .from])
        #expect(c.username == "nav" && c.password == "hunter2" && c.from == "NAV")
        #expect(c.timeout == .milliseconds(2500))
        #expect(c.permanentStatus == [400, 410])
        #expect(c.bodyEscaping == .percent)
        #expect(!c.description.contains("hunter2") && c.description.contains("https://sms.example.org/…"))
    }

    @Test func theConnectionPoolFollowsTheConnectorsMaxInFlightWhichTheEngineDoesNotReadItself() throws {
        // max_in_flight and throughput are the dispatcher's keys (ConnectorGate); the engine
        // gets max_in_flight from the connector's dispatch settings, for its pool only.
        var dispatch = ConnectorDispatchSettings()
        dispatch.gate.maxInFlight = 3
        #expect(Gateway.make(["url": "http://gw.local/?to={to}"], dispatch: dispatch).0?.configuration.maxInFlight == 3)
        #expect(Gateway.make(["url": "http://gw.local/?to={to}", "throughput": "5"]).1.map(\.path) == ["connectors.gw.throughput"])
    }

    @Test func defaultsAreGETTenSecondsEightInFlight() throws {
        let (made, problems) = Gateway.make(["url": "http://gw.local/send?to={to}&text={text}"])
        #expect(problems.isEmpty)
        let c = try #require(made).configuration
        #expect(c.method == .get && c.timeout == .seconds(10) && c.maxInFlight == 8)
        #expect(c.contentType == "application/x-www-form-urlencoded")
        #expect(c.permanentStatus == [400, 401, 403, 404, 422])
        #expect(made?.channels == [.sms] && made?.engine == "http-gateway")
    }

    @Test func aMissingURLIsReported() {
        let (made, problems) = Gateway.make(["method": "GET"])
        #expect(made == nil)
        #expect(messages(problems) == ["connectors.gw.url: missing"])
    }

    @Test func anUnknownMethodIsReported() {
        let (made, problems) = Gateway.make(["url": "http://gw.local/?to={to}", "method": "PUT"])
        #expect(made == nil)
        #expect(messages(problems) == ["connectors.gw.method: 'PUT' is not one of GET, POST"])
    }

    @Test func anUnsetPasswordVariableIsReported() {
        let (made, problems) = Gateway.make(["url": "http://gw.local/?to={to}", "username": "nav", "password_env": "GW_PASS"])
        #expect(made == nil)
        #expect(messages(problems) == ["connectors.gw.password_env: environment variable GW_PASS is not set"])
    }

    @Test func theURLMustBeHTTPOrHTTPSWithAHost() {
        for url in ["ftp://gw.local/{to}", "gw.local/send?to={to}", "http:///send?to={to}"] {
            let (made, problems) = Gateway.make(["url": .text(url)])
            #expect(made == nil && problems.count == 1 && problems.first?.path == "connectors.gw.url", "\(url): \(problems)")
        }
    }

    /// One connector talks to one origin over its kept-alive connections, so a placeholder may
    /// not choose the host or port; it may come right after them.
    @Test func schemeHostAndPortAreWrittenOut() {
        for url in ["http://{to}.gw.local/send", "http://gw.local:{to}/send", "https://gw.{from}/?to={to}"] {
            let (made, problems) = Gateway.make(["url": .text(url), "from": "x"])
            #expect(made == nil && problems.map(\.path) == ["connectors.gw.url"], "\(url): \(problems)")
        }
        for url in ["http://gw.local/{to}", "http://gw.local?to={to}", "http://user@gw.local:8080/a?to={to}"] {
            let (made, problems) = Gateway.make(["url": .text(url)])
            #expect(made != nil && problems.isEmpty, "\(url): \(problems)")
        }
    }

    @Test func theNumberMustGoSomewhere() {
        let (_, problems) = Gateway.make(["url": "http://gw.local/send?text={text}"])
        #expect(problems.map(\.path) == ["connectors.gw.url"])
        let (ok, none) = Gateway.make(["url": "http://gw.local/send", "method": "POST", "body": "n={to_digits}&t={text}"])
        #expect(ok != nil && none.isEmpty)
    }

    @Test func templateAndPatternMistakesAreReported() {
        let cases: [(KeyValuePairs<String, Gateway.Value>, String)] = [
            (["url": "http://gw.local/?to={to}&t={txet}"], "connectors.gw.url"),
            (["url": "http://gw.local/?to={to}", "body": "x"], "connectors.gw.body"),
            (["url": "http://gw.local/?to={to}&s={from}"], "connectors.gw.from"),
            (["url": "http://gw.local/?to={to}", "success_pattern": "(OK"], "connectors.gw.success_pattern"),
            (["url": "http://gw.local/?to={to}", "receipt_pattern": "id=[0-9]+"], "connectors.gw.receipt_pattern"),
            (["url": "http://gw.local/?to={to}", "permanent_status": .list(["400", "abc"])], "connectors.gw.permanent_status"),
            (["url": "http://gw.local/?to={to}", "timeout": "soon"], "connectors.gw.timeout"),
            (["url": "http://gw.local/?to={to}", "password": "inline"], "connectors.gw.password"),
            (
                ["url": "http://gw.local/", "method": "POST", "body": "to={to}", "content_type": "text/plain\r\nX-Evil: 1"],
                "connectors.gw.content_type"
            ),
        ]
        for (keys, path) in cases {
            let (_, problems) = Gateway.make(keys)
            #expect(problems.map(\.path) == [path], "\(problems)")
        }
    }
}

@Suite struct GatewayTemplates {
    @Test func valuesArePercentEncodedToTheUnreservedSet() {
        #expect(GatewayTemplate.percentEncode("a b&c=d#e+f\n€/?~._-") == "a%20b%26c%3Dd%23e%2Bf%0A%E2%82%AC%2F%3F~._-")
    }

    @Test func aValueLookingLikeAPlaceholderStaysLiteral() throws {
        let t = try GatewayTemplate("to={to}&text={text}")
        #expect(t.render([.to: "{text}", .text: "{to}"], escaping: .json) == "to={text}&text={to}")
    }

    @Test func bracesThatAreNotAPlaceholderAreText() throws {
        let t = try GatewayTemplate(#"{"to": "{to}", "n": {"x": 1}}"#)
        #expect(t.placeholders == [.to])
        #expect(t.render([.to: "+47"], escaping: .json) == #"{"to": "+47", "n": {"x": 1}}"#)
    }
}
