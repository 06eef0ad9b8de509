import Foundation
import SwitchboardCore
import Testing

@testable import SwitchboardSMTP

@Suite("smtp, email-gateway and smtp-inbound configuration")
struct SMTPConfigurationTests {
    let directory = SMTPConnectorDirectory()

    @Test("a full smtp configuration is read; the password comes from the environment and is never printed")
    func fullSMTP() throws {
        let (made, problems) = EngineHarness.make(
            SMTPConnector.engine(directory: directory),
            [
                "host": "smtp.example.org", "tls": "implicit", "username": "hub", "password_env": "SMTP_PW",
                "from": "Switchboard Alerts <alerts@example.org>", "timeout": "5s", "pool_size": "4",
            ],
            env: ["SMTP_PW": "hunter2"]
        )
        #expect(problems.isEmpty, "\(problems)")
        let smtp = try #require(made as? SMTPConnector)
        let c = smtp.configuration
        #expect(c.port == 465 && c.tls == .implicit && c.timeout == .seconds(5) && c.poolSize == 4)
        #expect(c.from.name == "Switchboard Alerts" && c.from.address == "alerts@example.org")
        #expect(c.password == "hunter2" && !c.description.contains("hunter2"))
        #expect(directory.connector(named: "mail") === smtp, "the connector registered itself")
    }

    @Test("defaults: starttls on 587, 30 s, two sessions; port 25 for tls none")
    func defaults() throws {
        let (made, problems) = EngineHarness.make(SMTPConnector.engine(directory: directory), ["host": "mx", "from": "a@example.org"])
        #expect(problems.isEmpty)
        let c = try #require(made as? SMTPConnector).configuration
        #expect(c.tls == .starttls && c.port == 587 && c.timeout == .seconds(30) && c.poolSize == 2)
        let (plain, _) = EngineHarness.make(SMTPConnector.engine(directory: directory), ["host": "mx", "from": "a@example.org", "tls": "none"])
        #expect((plain as? SMTPConnector)?.configuration.port == 25)
    }

    @Test("a password in clear to a host that is not loopback is refused at configuration time")
    func noClearPassword() {
        let (made, problems) = EngineHarness.make(
            SMTPConnector.engine(directory: directory),
            [
                "host": "smtp.example.org", "tls": "none", "username": "hub", "password_env": "PW", "from": "a@example.org",
            ],
            env: ["PW": "x"]
        )
        #expect(made == nil)
        #expect(problems.contains { $0.hasPrefix("connectors.mail.tls:") && $0.contains("in clear") })
        let (local, localProblems) = EngineHarness.make(
            SMTPConnector.engine(directory: directory),
            [
                "host": "127.0.0.1", "tls": "none", "username": "hub", "password_env": "PW", "from": "a@example.org",
            ],
            env: ["PW": "x"]
        )
        #expect(local != nil && localProblems.isEmpty)
    }

    @Test("missing from and host, a bad from, an unknown tls, a missing ca_file and unknown keys are each reported")
    func problems() {
        let (_, missing) = EngineHarness.make(SMTPConnector.engine(directory: directory), ["tls": "ssl", "hots": "x"])
        #expect(missing.contains("connectors.mail.host: missing"))
        #expect(missing.contains("connectors.mail.from: missing"))
        #expect(missing.contains { $0.hasPrefix("connectors.mail.tls:") })
        #expect(missing.contains("connectors.mail.hots: unknown key"))
        let (_, bad) = EngineHarness.make(
            SMTPConnector.engine(directory: directory),
            [
                "host": "mx", "from": "Alerts <not an address>", "ca_file": "/nonexistent/ca.pem",
            ]
        )
        #expect(bad.contains { $0.hasPrefix("connectors.mail.from:") })
        let (_, ca) = EngineHarness.make(
            SMTPConnector.engine(directory: directory),
            [
                "host": "mx", "from": "a@example.org", "ca_file": "/nonexistent/ca.pem",
            ]
        )
        #expect(ca.contains { $0.hasPrefix("connectors.mail.ca_file:") && $0.contains("/nonexistent/ca.pem") })
        let (_, pw) = EngineHarness.make(
            SMTPConnector.engine(directory: directory),
            [
                "host": "mx", "from": "a@example.org", "username": "u", "password_env": "NOT_SET",
            ]
        )
        #expect(pw.contains { $0.contains("NOT_SET is not set") })
    }

    @Test("email-gateway: keys read, subject placeholders checked, itself refused as its relay")
    func gateway() throws {
        let engine = EmailGatewayConnector.engine(directory: directory)
        let (made, problems) = EngineHarness.make(
            engine,
            name: "sms-mail",
            channels: [.sms],
            ["smtp": "relay", "to": "sms@gw.example.org", "subject": "{to_digits}"]
        )
        #expect(problems.isEmpty)
        let gw = try #require(made as? EmailGatewayConnector)
        #expect(gw.configuration.renderSubject(number: "+4712345678", id: "d1") == "4712345678")
        #expect(gw.channels == [.sms] && gw.engine == "email-gateway")
        let (_, bad) = EngineHarness.make(engine, name: "g", ["smtp": "g", "to": "x", "subject": "{number}"])
        #expect(bad.contains { $0.hasPrefix("connectors.g.to:") })
        let (_, self_) = EngineHarness.make(engine, name: "g", ["smtp": "g", "to": "a@example.org"])
        #expect(self_.contains { $0.contains("names this connector itself") })
        let (_, placeholder) = EngineHarness.make(engine, name: "g", ["smtp": "relay", "to": "a@example.org", "subject": "{number}"])
        #expect(placeholder.contains { $0.contains("unknown placeholder {number}") })
    }

    @Test("smtp-inbound: listen, protocol, domains and max_size; domains are required")
    func inbound() throws {
        let (made, problems) = EngineHarness.make(
            SMTPInboundConnector.engine,
            name: "mailin",
            [
                "listen": "[::1]:2526", "protocol": "lmtp", "domains": .list(["Alerts.Example.org"]), "max_size": "2048",
            ]
        )
        #expect(problems.isEmpty, "\(problems)")
        let c = try #require(made as? SMTPInboundConnector).configuration
        #expect(c.host == "::1" && c.port == 2526 && c.protocolKind == .lmtp && c.domains == ["alerts.example.org"] && c.maxSize == 2048)
        let (_, bad) = EngineHarness.make(SMTPInboundConnector.engine, name: "mailin", ["listen": "nowhere"])
        #expect(bad.contains { $0.hasPrefix("connectors.mailin.listen:") })
        #expect(bad.contains { $0.hasPrefix("connectors.mailin.domains: missing") })
    }
}
