import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

/// A connector that only remembers how it was configured, so tests can see what engines got.
struct ConfigTestConnector: Connector {
    var name: String
    var engine: String
    var channels: [ChannelName]
    var values: [String: String] = [:]
    func send(_ outbound: Outbound) async throws -> Receipt { Receipt() }
}

/// Stand-in engines shaped like the real ones to come: `bucket` (its four documented keys),
/// `http-gateway` (requires `url`, secret in `password_env`) and `smtp` (requires `host`).
enum ConfigTestEngines {
    static let bucket = ConnectorEngine(name: "bucket") { settings, reader, _ in
        let before = reader.problems.count
        var values: [String: String] = [:]
        values["latency"] = reader.duration("latency").map { "\($0)" }
        values["transient_failure_rate"] = reader.double("transient_failure_rate", in: 0...1).map { "\($0)" }
        values["permanent_failure_rate"] = reader.double("permanent_failure_rate", in: 0...1).map { "\($0)" }
        values["capacity"] = reader.int("capacity", in: 1...1_000_000).map { "\($0)" }
        guard reader.problems.count == before else { return nil }
        return ConfigTestConnector(name: settings.name, engine: settings.engine, channels: settings.channels, values: values)
    }

    static let httpGateway = ConnectorEngine(name: "http-gateway") { settings, reader, env in
        let before = reader.problems.count
        var values: [String: String] = [:]
        values["url"] = reader.string("url", required: true)
        values["username"] = reader.string("username")
        values["password"] = env.secret(reader, "password_env")
        guard reader.problems.count == before else { return nil }
        return ConfigTestConnector(name: settings.name, engine: settings.engine, channels: settings.channels, values: values)
    }

    static let smtp = ConnectorEngine(name: "smtp") { settings, reader, env in
        let before = reader.problems.count
        var values: [String: String] = [:]
        values["host"] = reader.string("host", required: true)
        values["port"] = reader.int("port", in: 1...65535).map { "\($0)" }
        values["password"] = env.secret(reader, "password_env")
        guard reader.problems.count == before else { return nil }
        return ConfigTestConnector(name: settings.name, engine: settings.engine, channels: settings.channels, values: values)
    }

    static let all = [bucket, httpGateway, smtp]

    static func parse(_ yaml: String, env: [String: String] = [:], engines: [ConnectorEngine] = all) -> ParsedConfiguration {
        ConfigLoader.parse(yaml: yaml, engines: engines, environment: ConfigEnvironment(variables: env))
    }
}

extension ParsedConfiguration {
    func problem(at path: String) -> ConfigProblem? { problems.first { $0.path == path } }
    var paths: [String] { problems.map(\.path) }
}

@Suite("Configuration parsing")
struct ConfigParsingTests {
    @Test func missingEngineKeyIsReportedWithItsKeyPathAndLine() throws {
        let parsed = ConfigTestEngines.parse(
            """
            connectors:
              kannel:
                engine: http-gateway
                channels: [sms]
            """
        )
        let problem = try #require(parsed.problem(at: "connectors.kannel.url"))
        #expect(problem.message == "missing")
        #expect(problem.mark?.line == 3)  // the first line of kannel's mapping
        #expect(problem.description == "connectors.kannel.url (line 3): missing")
        #expect(parsed.configuration == nil)
        #expect(parsed.connectors.isEmpty)
    }

    @Test func unknownEngineIsAnErrorListingTheKnownEngines() throws {
        let parsed = ConfigTestEngines.parse(
            """
            connectors:
              modem1:
                engine: foo
                channels: [sms]
                device: /dev/ttyUSB0
            """
        )
        let problem = try #require(parsed.problem(at: "connectors.modem1.engine"))
        #expect(problem.message == "unknown engine 'foo'; known engines: bucket, http-gateway, smtp")
        #expect(problem.mark?.line == 3)
        // Keys of an unknown engine cannot be told from typos, so they are not piled on.
        #expect(parsed.problems.count == 1)
    }

    @Test func unknownKeysAreErrorsAtEveryLevel() {
        let parsed = ConfigTestEngines.parse(
            """
            sever:
              port: 8080
            server:
              hots: example.org
            connectors:
              tester:
                engine: bucket
                channels: [sms]
                colour: blue
            channels:
              sms:
                route: [tester]
                backup: none
            forwarding:
              - to: [mailto:a@b.org]
                cc: [mailto:c@b.org]
            """
        )
        #expect(parsed.paths == ["sever", "server.hots", "connectors.tester.colour", "channels.sms.backup", "forwarding[0].cc"])
        #expect(parsed.problems.map(\.mark?.line) == [1, 4, 9, 13, 16])
        #expect(parsed.problems.allSatisfy { $0.message == "unknown key" })
    }

    @Test func portOutsideItsRangeOrNotANumberIsAProblem() {
        let outside = ConfigTestEngines.parse("server:\n  port: 70000\n")
        #expect(outside.problems == [ConfigProblem(path: "server.port", mark: ConfigMark(line: 2, column: 9), message: "70000 is outside 1...65535")])
        let text = ConfigTestEngines.parse("server:\n  port: http\n")
        #expect(text.problem(at: "server.port")?.message == "'http' is not a whole number")
    }

    @Test func badDurationIsReportedWithTheExpectedForm() throws {
        let parsed = ConfigTestEngines.parse(
            """
            dispatcher:
              workers: 2
              lease: five minutes
              poll_interval: 0s
            """
        )
        let lease = try #require(parsed.problem(at: "dispatcher.lease"))
        #expect(lease.mark?.line == 3)
        #expect(lease.message == "'five minutes' is not a duration such as 500ms, 30s, 5m, 1h")
        #expect(parsed.problem(at: "dispatcher.poll_interval")?.message == "must be longer than 0")
    }

    @Test func badForwardingAddressNamesTheListItemAndTheReason() throws {
        let parsed = ConfigTestEngines.parse(
            """
            forwarding:
              - connector: tester
                to:
                  - mailto:ops@example.org
                  - sms:12345678
            """
        )
        let problem = try #require(parsed.problem(at: "forwarding[0].to[1]"))
        #expect(problem.message == "phone number must be in international E.164 form starting with + (or a short code of 3 to 6 digits)")
        #expect(problem.mark?.line == 5)
        #expect(parsed.problems.count == 1)
    }

    @Test func forwardingFromAnUndeclaredConnectorIsAProblem() {
        let parsed = ConfigTestEngines.parse("forwarding:\n  - connector: kannel\n    to: mailto:a@b.org\n")
        #expect(parsed.problem(at: "forwarding[0].connector")?.message == "unknown connector 'kannel'; declared connectors: tester")
        #expect(parsed.problem(at: "forwarding[0].connector")?.mark?.line == 2)
    }

    @Test func routeNamingAnUndeclaredConnectorIsAProblem() throws {
        let parsed = ConfigTestEngines.parse(
            """
            connectors:
              kannel:
                engine: http-gateway
                channels: [sms]
                url: http://kannel.example.org
            channels:
              sms:
                route: [kannel, kanel]
            """
        )
        let problem = try #require(parsed.problem(at: "channels.sms.route[1]"))
        #expect(problem.message == "unknown connector 'kanel'; declared connectors: kannel")
        #expect(problem.mark?.line == 8)
        #expect(parsed.problems.count == 1)
    }

    @Test func routeThroughAConnectorNotServingTheChannelIsAProblem() throws {
        let parsed = ConfigTestEngines.parse(
            """
            connectors:
              mail:
                engine: smtp
                channels: [email]
                host: smtp.example.org
            channels:
              sms:
                route:
                  - mail
            """
        )
        let problem = try #require(parsed.problem(at: "channels.sms.route[0]"))
        #expect(problem.message == "connector 'mail' does not serve channel 'sms'; it serves: email")
        #expect(problem.mark?.line == 9)
    }

    @Test func everyProblemIsReportedAtOnceInFileOrder() {
        let parsed = ConfigTestEngines.parse(
            """
            server:
              port: 0
            storage:
              driver: mysql
            logging:
              level: loud
            connectors:
              kannel:
                engine: http-gateway
                channels: []
            channels:
              sms:
                route: [nobody]
            auto_replies:
              - keyword: two words
            dispatcher:
              workers: 1000
              retry_factor: 0.5
              retry_limit: 0
            """
        )
        #expect(
            parsed.paths == [
                "server.port", "storage.driver", "logging.level", "connectors.kannel.url", "connectors.kannel.channels",
                "channels.sms.route[0]", "auto_replies[0].keyword", "auto_replies[0].reply",
                "dispatcher.workers", "dispatcher.retry_factor", "dispatcher.retry_limit",
            ]
        )
        #expect(parsed.problem(at: "storage.driver")?.message == "'mysql' is not one of: sqlite, postgres")
        #expect(parsed.problem(at: "logging.level")?.message == "'loud' is not one of: trace, debug, info, notice, warning, error, critical")
        #expect(parsed.problem(at: "connectors.kannel.channels")?.message == "must name at least one channel")
        #expect(parsed.problem(at: "auto_replies[0].keyword")?.message == "must be a single word")
        #expect(parsed.configuration == nil)
    }

    @Test func severalConnectorsMayShareOneEngine() throws {
        let parsed = ConfigTestEngines.parse(
            """
            connectors:
              kannel:
                engine: http-gateway
                channels: [sms]
                url: http://kannel.example.org
              backup_gw:
                engine: http-gateway
                channels: [sms]
                url: http://backup.example.org
            """
        )
        #expect(parsed.problems.isEmpty)
        let connectors = try #require(parsed.connectors as? [ConfigTestConnector])
        #expect(connectors.map(\.name) == ["kannel", "backup_gw"])
        #expect(connectors.map(\.engine) == ["http-gateway", "http-gateway"])
        #expect(connectors.map { $0.values["url"] } == ["http://kannel.example.org", "http://backup.example.org"])
        #expect(parsed.configuration?.channels == [.sms: ChannelSettings(route: ["kannel", "backup_gw"])])
    }

    @Test func missingSecretVariableIsNamedButNoSecretIsEverPrinted() throws {
        let secret = "hunter2-very-secret"
        let parsed = ConfigTestEngines.parse(
            """
            connectors:
              mail:
                engine: smtp
                channels: [email]
                host: smtp.example.org
                password_env: SMTP_PASSWORD
              kannel:
                engine: http-gateway
                channels: [sms]
                password_env: KANNEL_PASSWORD
                port: 13013
            """,
            env: ["KANNEL_PASSWORD": secret]
        )
        let problem = try #require(parsed.problem(at: "connectors.mail.password_env"))
        #expect(problem.message == "environment variable SMTP_PASSWORD is not set")
        #expect(problem.mark?.line == 6)
        #expect(parsed.paths == ["connectors.mail.password_env", "connectors.kannel.url", "connectors.kannel.port"])
        #expect(parsed.problems.allSatisfy { !$0.description.contains(secret) })
        #expect(!ConfigurationError(problems: parsed.problems).description.contains(secret))
    }

    @Test func secretFromTheEnvironmentReachesTheEngine() throws {
        let parsed = ConfigTestEngines.parse(
            """
            connectors:
              mail:
                engine: smtp
                channels: [email]
                host: smtp.example.org
                password_env: SMTP_PASSWORD
            """,
            env: ["SMTP_PASSWORD": "pw"]
        )
        let connector = try #require(parsed.connectors.first as? ConfigTestConnector)
        #expect(connector.values["password"] == "pw")
        #expect(
            parsed.configuration?.connectors.first?.settings
                == .mapping([
                    ("host", .scalar("smtp.example.org", nil)), ("password_env", .scalar("SMTP_PASSWORD", nil)),
                ])
        )
    }

    @Test func absentKeysTakeTheDefaultsAndTheTesterBucket() throws {
        let parsed = ConfigTestEngines.parse("")
        #expect(parsed.problems.isEmpty)
        #expect(parsed.configuration == HubConfiguration.embeddedDefault)
        let tester = try #require(parsed.connectors.first as? ConfigTestConnector)
        #expect(parsed.connectors.count == 1)
        #expect(tester.name == "tester" && tester.engine == "bucket" && tester.channels == [.sms, .email, .im])

        let sections = ConfigTestEngines.parse("server:\n  host: 0.0.0.0\ndispatcher:\n  retry_delay: 10s\n")
        let config = try #require(sections.configuration)
        #expect(config.server.host == "0.0.0.0")
        #expect(config.server.port == 8080)
        #expect(config.dispatcher.retryDelay == 10)
        #expect(config.dispatcher.retryMaxDelay == 3600)
        #expect(config.storage == StorageSettings())
    }

    @Test func withoutABucketEngineTheDefaultStillParsesButMakesNoConnector() {
        let parsed = ConfigTestEngines.parse("", engines: [ConfigTestEngines.smtp])
        #expect(parsed.problems.isEmpty)
        #expect(parsed.configuration == HubConfiguration.embeddedDefault)
        #expect(parsed.connectors.isEmpty)
    }

    @Test func routesAreDerivedFromConnectorsWhenChannelsAreAbsent() {
        let parsed = ConfigTestEngines.parse(
            """
            connectors:
              primary:
                engine: bucket
                channels: [sms, email]
              kannel:
                engine: http-gateway
                channels: [sms, pager]
                url: http://kannel.example.org
            """
        )
        #expect(parsed.problems.isEmpty)
        #expect(
            parsed.configuration?.channels == [
                .sms: ChannelSettings(route: ["primary", "kannel"]),
                .email: ChannelSettings(route: ["primary"]),
                "pager": ChannelSettings(route: ["kannel"]),
            ]
        )
    }

    @Test func everyValueOfEverySectionIsRead() throws {
        let parsed = ConfigTestEngines.parse(
            """
            server: {host: 0.0.0.0, port: 9000, max_body_bytes: 2048, secure_cookies: yes, session_ttl: 30m}
            storage: {driver: postgres, data_dir: /var/lib/sb, synchronous: normal, credential_cache: 0s,
                      postgres: {url_env: PG_URL, pool_size: 4, tls: require, connect_timeout: 3s}}
            logging: {level: debug, format: json}
            admin: {username: root, password_env: ROOT_PW}
            forwarding:
              - {keyword: alert, to: "+4712345678"}
            auto_replies:
              - {keyword: ping, reply: pong, keep_in_inbox: true}
            dispatcher: {workers: 8, poll_interval: 250ms, lease: 2m, retry_delay: 5s, retry_factor: 2, retry_max_delay: 1h, retry_limit: 3,
                         shutdown_grace: 45s, retry_jitter: 3s}
            """,
            env: ["PG_URL": "postgres://hub:secret@db.example:6432/switchboard"]
        )
        #expect(parsed.problems.isEmpty)
        let c = try #require(parsed.configuration)
        #expect(
            (c.server.host, c.server.port, c.server.maxBodyBytes, c.server.secureCookies, c.server.sessionTTL) == ("0.0.0.0", 9000, 2048, true, 1800)
        )
        #expect((c.storage.driver, c.storage.dataDirectory, c.storage.synchronous) == (.postgres, "/var/lib/sb", .normal))
        #expect(c.storage.credentialCache == 0)
        let pg = c.storage.postgres
        #expect((pg.urlEnv, pg.poolSize, pg.tls, pg.connectTimeout) == ("PG_URL", 4, .require, 3))
        #expect(pg.endpoint == PostgresEndpoint(host: "db.example", port: 6432, username: "hub", password: "secret", database: "switchboard"))
        #expect((c.logging.level, c.logging.format) == ("debug", .json))
        #expect((c.admin.username, c.admin.passwordEnv) == ("root", "ROOT_PW"))
        #expect(c.forwarding == [ForwardingRule(keyword: "alert", to: [.sms("+4712345678")])])
        #expect(c.autoReplies == [AutoReply(keyword: "ping", reply: "pong", keepInInbox: true)])
        let d = c.dispatcher
        #expect((d.workers, d.pollInterval, d.lease, d.retryDelay) == (8, 0.25, 120, 5))
        #expect((d.retryFactor, d.retryMaxDelay, d.retryLimit) == (2, 3600, 3))
        #expect(d.shutdownGrace == 45 && d.retryJitter == 3)
        #expect(OutboxDispatcher.Configuration(d).retry.jitter == 3)
        #expect(OutboxDispatcher.Configuration(d).shutdownGrace == .seconds(45))
    }

    @Test func retryCapBelowTheFirstDelayIsAProblem() {
        let parsed = ConfigTestEngines.parse("dispatcher:\n  retry_delay: 2h\n")
        #expect(parsed.problem(at: "dispatcher.retry_max_delay")?.message == "must not be less than retry_delay (3600s < 7200s)")
    }

    @Test func connectorAndChannelNamesMustBeSafe() {
        let parsed = ConfigTestEngines.parse(
            """
            connectors:
              Kannel GW:
                engine: bucket
                channels: [sms, "e mail"]
            """
        )
        #expect(parsed.problem(at: "connectors.Kannel GW")?.message == "connector name must be 1-64 characters of a-z, 0-9, '_' or '-'")
        #expect(parsed.problem(at: "connectors.Kannel GW")?.mark?.line == 2)
        #expect(parsed.problem(at: "connectors.Kannel GW.channels")?.message.hasPrefix("'e mail' is not a channel name") == true)
    }

    @Test func connectorsMustBeAMappingOfMappings() {
        let parsed = ConfigTestEngines.parse("connectors:\n  tester: bucket\n")
        #expect(
            parsed.problems == [
                ConfigProblem(path: "connectors.tester", mark: ConfigMark(line: 2, column: 11), message: "expected a mapping of keys")
            ]
        )
        let empty = ConfigTestEngines.parse("connectors: {}\n")
        #expect(empty.problem(at: "connectors")?.message.hasPrefix("declares no connector") == true)
    }

    @Test func aTopLevelThatIsNotAMappingIsAProblem() {
        let parsed = ConfigTestEngines.parse("- server\n- storage\n")
        #expect(parsed.problems == [ConfigProblem(path: "(top)", mark: ConfigMark(line: 1, column: 1), message: "expected a mapping of keys")])
    }
}

@Suite("Dispatch keys of connectors and channels")
struct DispatchKeyParsing {
    @Test func channelAndConnectorDispatchKeysAreRead() throws {
        let parsed = ConfigTestEngines.parse(
            """
            connectors:
              modem:
                engine: bucket
                channels: [sms]
                permanent_errors_as_transient: true
                throughput: 2.5
                max_in_flight: 3
                failure_threshold: 4
                cooldown: 1m
              mail:
                engine: bucket
                channels: [email]
            channels:
              sms:
                route: [modem]
                retry: {delay: 10s, factor: 2, max_delay: 5m, limit: 7, jitter: 2s}
                at_limit: hold
                autocancel: 2h
                fallback: email
                packing: {mode: segments, max_parts: 3}
              email:
                route: [mail]
            """
        )
        #expect(parsed.problems == [])
        let config = try #require(parsed.configuration)
        let modem = try #require(config.connectors.first { $0.name == "modem" })
        #expect(modem.dispatch.permanentErrorsAreTransient)
        #expect(modem.dispatch.gate == ConnectorGate.Configuration(maxInFlight: 3, throughput: 2.5, failureThreshold: 4, cooldown: 60))
        let sms = try #require(config.channels[.sms])
        #expect(sms.retry == RetryPolicy(delay: 10, factor: 2, maxDelay: 300, limit: 7, jitter: 2))
        #expect(sms.atLimit == .hold && sms.autocancelAfter == 7200 && sms.fallback == .email)
        #expect(sms.packing == PackingSettings(mode: "segments", maxParts: 3))
    }

    @Test func badDispatchKeysAreProblemsWithTheirPaths() {
        let parsed = ConfigTestEngines.parse(
            """
            connectors:
              modem:
                engine: bucket
                channels: [sms]
                throughput: 0
            channels:
              sms:
                route: [modem]
                at_limit: retry-forever
                fallback: fax
                packing: {mode: squeeze, max_parts: 11}
                retry: {delay: 1h, max_delay: 1m, tries: 3}
            """
        )
        #expect(
            Set(parsed.paths) == [
                "connectors.modem.throughput", "channels.sms.at_limit", "channels.sms.fallback",
                "channels.sms.packing.mode", "channels.sms.packing.max_parts", "channels.sms.retry.max_delay", "channels.sms.retry.tries",
            ]
        )
    }
}
