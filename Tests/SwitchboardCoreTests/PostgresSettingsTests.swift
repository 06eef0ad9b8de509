import Foundation
import SwitchboardCore
import Testing

/// `storage.postgres` and the connection URL it names: every problem is reported with its key
/// path, and the password never appears in a problem, a description or a dump.
@Suite("PostgreSQL settings")
struct PostgresSettingsTests {
    static let secret = "s3cr%2Ft"

    @Test func aFullURLIsReadWithItsPartsPercentDecoded() throws {
        let endpoint = try PostgresEndpoint(url: "postgresql://hub%40ops:\(Self.secret)@db.example:6432/switch%20board")
        #expect(endpoint == PostgresEndpoint(host: "db.example", port: 6432, username: "hub@ops", password: "s3cr/t", database: "switch board"))
    }

    @Test func portAndDatabaseHaveDefaults() throws {
        let endpoint = try PostgresEndpoint(url: "postgres://hub@[::1]")
        #expect(endpoint == PostgresEndpoint(host: "::1", port: 5432, username: "hub", password: nil, database: "hub"))
        #expect(endpoint.description == "hub@[::1]:5432/hub")
    }

    @Test(arguments: [
        ("mysql://hub:pw@db/x", "must start with postgres:// (found mysql://)"),
        ("postgres:///x", "names no host"),
        ("postgres://db.example/x", "names no user"),
        ("postgres://hub:pw@db/x?sslmode=require", "has parameters (sslmode)"),
        ("postgres://hub:pw@db/x/y", "has a path with more than a database name"),
        ("not a url", "is not a URL"),
    ])
    func malformedURLsAreRefusedByWhatIsWrong(_ url: String, _ expected: String) {
        #expect(throws: PostgresEndpoint.Problem.self) { try PostgresEndpoint(url: url) }
        do {
            _ = try PostgresEndpoint(url: url)
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(!error.message.contains("pw"), "a problem never repeats the password")
        }
    }

    @Test func thePasswordIsNeitherPrintedNorDumped() throws {
        let endpoint = try PostgresEndpoint(url: "postgres://hub:hunter2secret@db.example/switchboard")
        #expect(endpoint.password == "hunter2secret")
        var dump = ""
        Swift.dump(endpoint, to: &dump)
        for text in [endpoint.description, String(reflecting: endpoint), "\(endpoint)", dump] {
            #expect(!text.contains("hunter2secret"), "\(text)")
        }
        var settings = PostgresSettings()
        settings.endpoint = endpoint
        var settingsDump = ""
        Swift.dump(settings, to: &settingsDump)
        #expect(!settingsDump.contains("hunter2secret"))
        #expect(!String(describing: settings).contains("hunter2secret"))
    }

    @Test func withThePostgresDriverTheURLMustBeInTheEnvironment() {
        let absentSection = ConfigTestEngines.parse("storage: {driver: postgres}")
        #expect(absentSection.problem(at: "storage.postgres")?.message.contains("environment variable DATABASE_URL is not set") == true)
        let named = ConfigTestEngines.parse("storage: {driver: postgres, postgres: {url_env: HUB_DB}}")
        #expect(named.problem(at: "storage.postgres.url_env")?.message.contains("environment variable HUB_DB is not set") == true)
    }

    @Test func aMalformedURLIsReportedWithoutItsPassword() {
        let parsed = ConfigTestEngines.parse(
            "storage: {driver: postgres}",
            env: ["DATABASE_URL": "postgres://hub:hunter2secret@db.example/x?sslmode=require"]
        )
        let problem = parsed.problem(at: "storage.postgres")
        #expect(problem?.message.contains("environment variable DATABASE_URL has parameters (sslmode)") == true)
        #expect(parsed.problems.allSatisfy { !$0.description.contains("hunter2secret") })
    }

    @Test func theSQLiteDriverNeedsNoURL() throws {
        let parsed = ConfigTestEngines.parse("storage: {driver: sqlite, postgres: {pool_size: 3}}")
        #expect(parsed.problems.isEmpty)
        let postgres = try #require(parsed.configuration).storage.postgres
        #expect(postgres.endpoint == nil && postgres.poolSize == 3)
    }

    @Test func badKeysAreReportedByPath() {
        let parsed = ConfigTestEngines.parse(
            """
            storage:
              driver: postgres
              postgres: {url_env: 1BAD, pool_size: 0, tls: maybe, ca_file: /nonexistent/ca.pem, connect_timeout: 0s, colour: red}
            """
        )
        #expect(parsed.problem(at: "storage.postgres.url_env")?.message == "'1BAD' is not an environment variable name")
        #expect(parsed.problem(at: "storage.postgres.pool_size")?.message == "0 is outside 1...1000")
        #expect(parsed.problem(at: "storage.postgres.tls")?.message == "'maybe' is not one of: disable, prefer, require")
        #expect(parsed.problem(at: "storage.postgres.ca_file")?.message == "cannot read /nonexistent/ca.pem")
        #expect(parsed.problem(at: "storage.postgres.connect_timeout")?.message == "must be longer than 0")
        #expect(parsed.problem(at: "storage.postgres.colour") != nil)
    }

    @Test func aCAFileNeedsTLS() throws {
        let ca = FileManager.default.temporaryDirectory.appendingPathComponent("ca-\(UUID().uuidString).pem")
        try Data("-----BEGIN CERTIFICATE-----\n".utf8).write(to: ca)
        defer { try? FileManager.default.removeItem(at: ca) }
        let parsed = ConfigTestEngines.parse(
            "storage: {driver: postgres, postgres: {tls: disable, ca_file: \(ca.path)}}",
            env: ["DATABASE_URL": "postgres://hub:pw@db/x"]
        )
        #expect(parsed.problem(at: "storage.postgres.ca_file")?.message == "needs tls: prefer or require")
    }
}
