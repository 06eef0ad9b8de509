import SwitchboardCore
import Testing

@testable import SwitchboardXMPP

/// The `xmpp` keys as the hub reads them, the reconnection back-off, and how contacts'
/// presence is reported.
@Suite struct XMPPConnectorConfigurationTests {
    static func make(_ keys: [(String, String)], env: [String: String] = ["XMPP_PASSWORD": "s3cret"]) -> (XMPPConnector?, [String]) {
        let node = ConfigNode.mapping(keys.map { ($0.0, ConfigNode.scalar($0.1, nil)) })
        let reader = ConfigReader(node: node, path: "connectors.chat")
        let connector = XMPPConnector.engine.make(
            ConnectorSettings(name: "chat", engine: "xmpp", channels: [.im], settings: node),
            reader,
            ConfigEnvironment(variables: env)
        )
        reader.rejectUnknownKeys()
        return (connector as? XMPPConnector, reader.problems.map { "\($0.path): \($0.message)" })
    }

    @Test func readsEveryKey() throws {
        let (made, problems) = Self.make([
            ("jid", "Hub@Example.org"), ("password_env", "XMPP_PASSWORD"), ("host", "127.0.0.1"), ("port", "5223"),
            ("resource", "desk"), ("tls", "optional"), ("subscriptions", "everyone"), ("ping_interval", "15s"),
            ("timeout", "5s"), ("send_timeout", "9s"), ("reconnect_delay", "500ms"), ("reconnect_max_delay", "10s"),
            ("max_stanza_bytes", "65536"),
        ])
        #expect(problems.isEmpty, "\(problems)")
        let c = try #require(made).configuration
        #expect(c.jid == JID("hub@example.org") && c.host == "127.0.0.1" && c.port == 5223 && c.resource == "desk")
        #expect(c.tls == .optional && c.subscriptions == .everyone && c.pingInterval == .seconds(15))
        #expect(c.timeout == .seconds(5) && c.sendTimeout == .seconds(9) && c.reconnectDelay == .milliseconds(500))
        #expect(c.reconnectMaxDelay == .seconds(10) && c.limits.maxStanzaBytes == 65536)
        #expect(c.password == "s3cret" && !c.description.contains("s3cret"))
    }

    @Test func defaultsConnectToTheDomainWithTLSRequired() throws {
        let (made, problems) = Self.make([("jid", "hub@example.org"), ("password_env", "XMPP_PASSWORD")])
        #expect(problems.isEmpty, "\(problems)")
        let c = try #require(made).configuration
        #expect(c.host == "example.org" && c.port == 5222 && c.tls == .required && c.subscriptions == .contacts)
        #expect(c.resource == "switchboard" && c.pingInterval == .seconds(60) && c.limits.maxStanzaBytes == 262_144)
    }

    @Test func namesEveryProblem() {
        let (made, problems) = Self.make(
            [
                ("jid", "example.org/desk"), ("password_env", "NOT_SET"), ("tls", "sometimes"), ("subscriptions", "friends"),
                ("ping_interval", "0s"), ("max_stanza_bytes", "100"), ("ca_file", "/nonexistent/ca.pem"), ("jdi", "x"),
            ],
            env: [:]
        )
        #expect(made == nil)
        #expect(problems.contains { $0.hasPrefix("connectors.chat.jid:") && $0.contains("not a bare JID") })
        #expect(problems.contains("connectors.chat.password_env: environment variable NOT_SET is not set"))
        #expect(problems.contains { $0.hasPrefix("connectors.chat.tls:") })
        #expect(problems.contains { $0.hasPrefix("connectors.chat.subscriptions:") })
        #expect(problems.contains("connectors.chat.ping_interval: must be above 0"))
        #expect(problems.contains { $0.hasPrefix("connectors.chat.max_stanza_bytes:") })
        #expect(problems.contains("connectors.chat.jdi: unknown key"))
        let (_, missing) = Self.make([], env: [:])
        #expect(missing.contains("connectors.chat.jid: missing"))
        #expect(missing.contains { $0.hasPrefix("connectors.chat.password_env:") })
    }

    @Test func aPrivateCAFileMustExistAndOnlyWithTLS() {
        let (_, absent) = Self.make([("jid", "hub@example.org"), ("password_env", "XMPP_PASSWORD"), ("ca_file", "/nonexistent/ca.pem")])
        #expect(absent.contains { $0.hasPrefix("connectors.chat.ca_file:") && $0.contains("does not exist") })
        let (_, plain) = Self.make([("jid", "hub@example.org"), ("password_env", "XMPP_PASSWORD"), ("tls", "none"), ("ca_file", "/tmp/x.pem")])
        #expect(plain.contains("connectors.chat.ca_file: is only used with tls: required or optional"))
    }

    @Test func backoffDoublesUpToTheCapWithAtMostAQuarterOfJitter() throws {
        let (made, _) = Self.make([
            ("jid", "hub@example.org"), ("password_env", "XMPP_PASSWORD"), ("reconnect_delay", "1s"), ("reconnect_max_delay", "10s"),
        ])
        let connector = try #require(made)
        #expect((1...6).map { connector.backoff(failures: $0, random: 0) } == [1, 2, 4, 8, 10, 10])
        #expect(connector.backoff(failures: 3, random: 0.999) > 4.99 && connector.backoff(failures: 3, random: 0.999) < 5)
        #expect(connector.backoff(failures: 1_000, random: 0) == 10)
    }

    @Test func presenceIsReportedWhenTheFirstResourceComesAndTheLastGoes() throws {
        var tracker = PresenceTracker()
        let phone = try #require(JID("kari@example.org/phone"))
        let laptop = try #require(JID("kari@example.org/laptop"))
        #expect(tracker.update(phone, available: true) == true)
        #expect(tracker.update(laptop, available: true) == nil)
        #expect(tracker.update(phone, available: true) == nil)
        #expect(tracker.update(phone, available: false) == nil)
        #expect(tracker.update(laptop, available: false) == false)
        #expect(tracker.update(laptop, available: false) == nil)
    }

    @Test func jidsAreSplitAndFolded() {
        #expect(JID("Kari@Example.ORG/Phone") == JID(local: "kari", domain: "example.org", resource: "Phone"))
        #expect(JID("kari@example.org/phone")?.bare.description == "kari@example.org")
        #expect(JID("example.org")?.local == nil)
        #expect(JID("@example.org") == nil && JID("kari@") == nil && JID("kari@example.org/") == nil && JID("a@b@c") == nil)
    }
}
