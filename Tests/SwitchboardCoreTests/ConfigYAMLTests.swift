import Foundation
import SwitchboardConfig
import SwitchboardCore
import Testing

@Suite("Configuration YAML and loading")
struct ConfigYAMLTests {
    static let examplePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("switchboard.example.yaml").path

    func pairs(_ node: ConfigNode) -> [(key: String, keyMark: ConfigMark?, value: ConfigNode)] {
        if case .mapping(let p, _) = node { return p }
        return []
    }

    func temporaryFile(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-config-\(UUID().uuidString).yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func emptyOrCommentOnlyTextIsAnEmptyMapping() throws {
        #expect(try YAMLConfig.node(fromYAML: "") == .mapping([]))
        #expect(try YAMLConfig.node(fromYAML: "# nothing configured yet\n\n") == .mapping([]))
    }

    @Test func keysAndValuesKeepTheirOneBasedLines() throws {
        let node = try YAMLConfig.node(fromYAML: "# comment\nserver:\n  host: example.org\n\n  port: 8080\n")
        let server = try #require(pairs(node).first)
        #expect(server.key == "server" && server.keyMark == ConfigMark(line: 2, column: 1))
        let inner = pairs(server.value)
        #expect(inner.map { $0.key } == ["host", "port"])
        #expect(inner.map { $0.keyMark?.line } == [3, 5])
        #expect(inner.map { $0.value.mark } == [ConfigMark(line: 3, column: 9), ConfigMark(line: 5, column: 9)])
    }

    @Test func plainNullsBecomeNullButQuotedOnesStayText() throws {
        let node = try YAMLConfig.node(fromYAML: "a:\nb: ~\nc: null\nd: \"null\"\ne: 08\nf: [1, x]\n")
        let values = pairs(node).map { $0.value }
        #expect(
            values == [
                .null(nil), .null(nil), .null(nil), .scalar("null", nil), .scalar("08", nil),
                .sequence([.scalar("1", nil), .scalar("x", nil)], nil),
            ]
        )
    }

    @Test func aliasesAndMergeKeysAreResolvedWithExplicitKeysWinning() throws {
        let parsed = ConfigTestEngines.parse(
            """
            connectors:
              kannel: &gateway
                engine: http-gateway
                channels: [sms]
                url: http://kannel.example.org
                username: switchboard
              backup:
                <<: *gateway
                url: http://backup.example.org
            channels:
              sms: {route: [kannel, backup]}
            """
        )
        #expect(parsed.problems.isEmpty)
        let connectors = try #require(parsed.connectors as? [ConfigTestConnector])
        #expect(connectors.map(\.name) == ["kannel", "backup"])
        #expect(connectors[1].engine == "http-gateway")
        #expect(connectors[1].values["url"] == "http://backup.example.org")
        #expect(connectors[1].values["username"] == "switchboard")
    }

    @Test func inAListOfMergedMappingsTheEarlierOneWins() throws {
        let node = try YAMLConfig.node(
            fromYAML: """
                a: &a {x: 1, y: 1}
                b: &b {y: 2, z: 2}
                c:
                  <<: [*a, *b]
                  z: 3
                """
        )
        let c = try #require(pairs(node).last)
        #expect(c.value == .mapping([("x", .scalar("1", nil)), ("y", .scalar("1", nil)), ("z", .scalar("3", nil))]))
    }

    /// 386 bytes that expand to 9^9 strings: converted without a limit it took 56 s and 4.4 GB.
    static let billionLaughs = """
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
        i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]

        """

    /// About 1.2 kB of merge keys, each level merging the one before ten times (10^9 keys).
    static let mergeKeyBomb: String = {
        var text = "l0: &l0 {" + (0..<10).map { "k\($0): x" }.joined(separator: ", ") + "}\n"
        for level in 1...9 {
            text += "l\(level): &l\(level)\n" + (0..<10).map { "  m\($0): {<<: *l\(level - 1)}\n" }.joined()
        }
        return text
    }()

    @Test(.timeLimit(.minutes(1)))
    func aliasBombsAreRefusedWithTheirPathAndLine() {
        #expect(Self.billionLaughs.utf8.count < 400, "\(Self.billionLaughs.utf8.count)")
        let laughs = YAMLConfig.read(yaml: Self.billionLaughs)
        #expect(laughs.node == nil)
        // a..d bring in 8,289 nodes through aliases; e's first *d is what overdraws 10,000.
        #expect(
            laughs.problems.map(\.description) == [
                "e[0] (line 5): aliases and merge keys (*name, <<) expand to more than 10000 nodes; the file is refused (a YAML bomb?); write the repeated parts out or share fewer"
            ]
        )
        let merges = YAMLConfig.read(yaml: Self.mergeKeyBomb)
        #expect(merges.node == nil)
        #expect(
            merges.problems.count == 1
                && merges.problems.first?.message.hasPrefix("aliases and merge keys (*name, <<) expand to more than 10000") == true
        )
        #expect(merges.problems.first?.path.hasPrefix("l") == true && merges.problems.first?.mark != nil, "\(merges.problems)")
        // Through the loader (check-config, serve) it is the one problem reported.
        let parsed = ConfigTestEngines.parse(Self.billionLaughs)
        #expect(parsed.configuration == nil && parsed.problems.count == 1)
    }

    @Test(.timeLimit(.minutes(1)))
    func anAliasAsAKeyIsRefusedBeforeYamsHashesIt() {
        // Yams hashes every key to find duplicates: this key alone is 9^8 nodes to hash.
        let keyBomb = Self.billionLaughs + "? *i\n: 1\n"
        #expect(
            YAMLConfig.read(yaml: keyBomb).problems.map(\.description) == [
                "(top) (line 10): a key must be a single value written out, not an alias (*name), a list or a mapping"
            ]
        )
        let aliasKey = YAMLConfig.read(yaml: "name: &n ops\nserver:\n  *n : 1\n")
        #expect(aliasKey.node == nil && aliasKey.problems.map(\.path) == ["server"] && aliasKey.problems.first?.mark?.line == 3)
        // A '*' that is not an alias (quoted, inside a plain scalar, in flow) is text as before.
        let text = try? YAMLConfig.node(fromYAML: "\"*a\": x\nb: {text: hello *world, c: '*d'}\ne: 2*3\n")
        #expect(
            text
                == .mapping([
                    ("*a", .scalar("x", nil)),
                    ("b", .mapping([("text", .scalar("hello *world", nil)), ("c", .scalar("*d", nil))])),
                    ("e", .scalar("2*3", nil)),
                ])
        )
    }

    @Test func aliasesWithinTheBudgetAreResolved() throws {
        // Three levels of the bomb (819 + 90 nodes through aliases) are an ordinary file.
        let small = Self.billionLaughs.split(separator: "\n").prefix(3).joined(separator: "\n")
        let node = try YAMLConfig.node(fromYAML: small)
        guard case .sequence(let c, _) = try #require(pairs(node).last).value, case .sequence(let b, _) = try #require(c.first) else {
            Issue.record("c is not a list of lists")
            return
        }
        #expect(c.count == 9 && b.count == 9 && b.first == .sequence(Array(repeating: .scalar("lol", nil), count: 9), nil))
    }

    @Test func syntaxErrorIsOneProblemWithItsLine() {
        let text = "server:\n  port: 8080\n  host: a: b\n"
        #expect(throws: ConfigurationError.self) { try YAMLConfig.node(fromYAML: text) }
        let read = YAMLConfig.read(yaml: text)
        #expect(read.node == nil)
        #expect(read.problems.count == 1)
        #expect(read.problems.first?.path == "(yaml)")
        #expect(read.problems.first?.mark?.line == 3)
        #expect(read.problems.first?.message.hasPrefix("syntax error: mapping values are not allowed") == true)
    }

    @Test func aSecondDocumentOrABadMergeIsAProblem() {
        let twoDocuments = YAMLConfig.read(yaml: "server: {}\n---\nstorage: {}\n")
        #expect(
            twoDocuments.problems.map(\.description) == [
                "(yaml) (line 2): syntax error: the file must hold one YAML document; another starts here"
            ]
        )
        let mergeOfText = YAMLConfig.read(yaml: "server:\n  <<: text\n  port: 1\n")
        #expect(
            mergeOfText.problems.map(\.description) == [
                "server.<< (line 2): '<<' (merge) needs a mapping or a list of mappings, such as *defaults"
            ]
        )
    }

    @Test func duplicateKeysAreReportedWithTheirPathsAndBothLines() throws {
        let text = """
            server:
              port: 8080
              host: a
              "port": 9090
            connectors:
              tester:
                engine: bucket
                channels: [sms]
                engine: bucket
                engine: smtp
            storage: {driver: mysql, driver: sqlite}
            """
        do throws(ConfigurationError) {
            _ = try YAMLConfig.node(fromYAML: text)
            Issue.record("duplicate keys were accepted")
        } catch {
            #expect(
                error.problems.map(\.description) == [
                    "server.port (line 4): duplicate key; first written at line 2",
                    "connectors.tester.engine (line 9): duplicate key; first written at line 7",
                    "connectors.tester.engine (line 10): duplicate key; first written at line 7",
                    "storage.driver (line 11): duplicate key; first written at line 11",
                ]
            )
        }
        // The rest of the file is still validated, so one run shows everything.
        let parsed = ConfigTestEngines.parse(text)
        #expect(parsed.paths == ["server.port", "connectors.tester.engine", "connectors.tester.engine", "storage.driver", "storage.driver"])
        #expect(parsed.problems.last?.message == "'mysql' is not one of: sqlite, postgres")
        #expect(parsed.configuration == nil)
    }

    @Test func unreadableFileIsAProblemNamingThePath() {
        let missing = "/nonexistent/switchboard-\(UUID().uuidString).yaml"
        #expect(
            YAMLConfig.read(contentsOf: missing).problems == [
                ConfigProblem(path: missing, mark: nil, message: "cannot read the configuration file: no such file")
            ]
        )
        let directory = FileManager.default.temporaryDirectory.path
        #expect(YAMLConfig.read(contentsOf: directory).problems.first?.message == "cannot read the configuration file: it is a directory, not a file")
        #expect(throws: ConfigurationError.self) { try YAMLConfig.node(contentsOf: missing) }
    }

    @Test func fileProblemsNameTheFileForSyntaxErrors() throws {
        let path = try temporaryFile("server:\n  port: [8080\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let problems = ConfigLoader.check(path: path, engines: ConfigTestEngines.all, environment: ConfigEnvironment(variables: [:]))
        #expect(problems.count == 1)
        #expect(problems.first?.path == path)
        #expect(problems.first?.message.hasPrefix("syntax error:") == true)
    }

    @Test func loaderUsesThePathThenTheEnvironmentThenTheEmbeddedDefault() throws {
        let fromEnv = try temporaryFile("server:\n  port: 9001\n")
        let explicit = try temporaryFile("server:\n  port: 9002\n")
        defer { for p in [fromEnv, explicit] { try? FileManager.default.removeItem(atPath: p) } }
        let env = ConfigEnvironment(variables: ["SWITCHBOARD_CONFIG": fromEnv])

        #expect(try ConfigLoader.load(path: nil, engines: ConfigTestEngines.all, environment: env).0.server.port == 9001)
        #expect(try ConfigLoader.load(path: explicit, engines: ConfigTestEngines.all, environment: env).0.server.port == 9002)
        let (config, connectors) = try ConfigLoader.load(path: nil, engines: ConfigTestEngines.all, environment: ConfigEnvironment(variables: [:]))
        #expect(config == HubConfiguration.embeddedDefault)
        #expect(connectors.map(\.name) == ["tester"])
    }

    @Test func loadThrowsEveryProblem() throws {
        let path = try temporaryFile("server:\n  port: 0\nlogging:\n  format: xml\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        do throws(ConfigurationError) {
            _ = try ConfigLoader.load(path: path, engines: ConfigTestEngines.all, environment: ConfigEnvironment(variables: [:]))
            Issue.record("a bad configuration was loaded")
        } catch {
            #expect(error.problems.map(\.path) == ["server.port", "logging.format"])
        }
    }

    @Test func exampleFileParsesCleanlyWithABucketEngine() throws {
        let environment = ConfigEnvironment(variables: [:])
        #expect(ConfigLoader.check(path: Self.examplePath, engines: [ConfigTestEngines.bucket], environment: environment) == [])
        let (config, connectors) = try ConfigLoader.load(path: Self.examplePath, engines: [ConfigTestEngines.bucket], environment: environment)
        let tester = try #require(connectors.first as? ConfigTestConnector)
        #expect(connectors.count == 1)
        #expect(tester.values == ["latency": "0.0", "transient_failure_rate": "0.0", "permanent_failure_rate": "0.0", "capacity": "10000"])
        #expect(config.channels.mapValues(\.route) == HubConfiguration.embeddedDefault.channels.mapValues(\.route))
        #expect(
            config.forwarding == [ForwardingRule(connector: "tester", keyword: "alert", to: [.email("ops@example.org")], prefix: "SMS from {from}: ")]
        )
        #expect(config.autoReplies.map(\.keyword) == ["ping", "echo"])
        // The example shows the defaults, so it configures exactly what no file does.
        var defaults = HubConfiguration.embeddedDefault
        defaults.forwarding = config.forwarding
        defaults.autoReplies = config.autoReplies
        defaults.templates = [
            MessageTemplateSettings(
                name: "road-closed",
                subject: "Road closed: {{road}}",
                text: "{{road}} is closed at km {{km}}. Detour via {{detour}}.",
                html: "<p><b>{{road}}</b> is closed at km {{km}}.</p><p>Detour via {{detour}}.</p>"
            )
        ]
        #expect(config.templates == defaults.templates)
        defaults.responders = config.responders  // the example responder (DeclaredResponderConfigTests)
        defaults.connectors[0].settings = config.connectors[0].settings
        // The sms channel spells out the dispatcher's default retry policy.
        defaults.channels[.sms]?.retry = RetryPolicy()
        #expect(config == defaults)
    }

    @Test func exampleFileParsesCleanlyWithTheShippedBucketEngine() throws {
        let (_, connectors) = try ConfigLoader.load(
            path: Self.examplePath,
            engines: [BucketConnector.engine],
            environment: ConfigEnvironment(variables: [:])
        )
        let bucket = try #require(connectors.first as? BucketConnector)
        // The example documents the engine's defaults by setting them.
        #expect(bucket.configuration == BucketConnector.Configuration())
        #expect(bucket.channels == [.sms, .email, .im])
    }
}
