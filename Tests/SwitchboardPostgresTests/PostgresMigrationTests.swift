import Foundation
import PostgresNIO
import Testing

@testable import SwitchboardPostgres

/// Migrations run once per database, all or nothing, even when several nodes start at once.
@Suite("PostgreSQL migrations", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresMigrationTests {
    /// Versions recorded in `schema`, in order.
    static func recorded(_ harness: PostgresHarness, schema: String) async throws -> [Int] {
        try await harness.admin.rows(PostgresQuery(unsafeSQL: "SELECT version FROM \(schema).switchboard_migrations ORDER BY version"))
            .map { try $0["version"].decode(Int.self) }
    }

    static func tables(_ harness: PostgresHarness, schema: String) async throws -> Set<String> {
        let rows = try await harness.admin.rows("SELECT table_name FROM information_schema.tables WHERE table_schema = \(schema)")
        return Set(try rows.map { try $0["table_name"].decode(String.self) })
    }

    @Test func aFreshDatabaseGetsEveryMigrationOnceAndASecondRunAppliesNothing() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let schema = try await harness.makeSchema()
            let store = try harness.makeUnmigratedStore(schema: schema)
            let all = PostgresMigrations.all.map(\.version)
            #expect(try await store.migrate() == all)
            #expect(try await store.migrate() == [])
            #expect(try await Self.recorded(harness, schema: schema) == all)
            #expect(try await Self.tables(harness, schema: schema).isSuperset(of: ["messages", "deliveries", "status_changes"]))
        }
    }

    /// Four nodes start together on one empty database, with a migration slow enough that
    /// they would all be inside it at once without the advisory lock (and then fail on each
    /// other's tables): each migration runs exactly once and every node starts.
    @Test func nodesStartingTogetherMigrateOnce() async throws {
        let slow = [
            PostgresMigration(version: 1, name: "first", statements: ["CREATE TABLE first (id INTEGER)", "SELECT pg_sleep(0.3)"]),
            PostgresMigration(version: 2, name: "second", statements: ["CREATE TABLE second (id INTEGER)"]),
        ]
        try await PostgresTestDatabase.withHarness { harness in
            let schema = try await harness.makeSchema()
            let nodes = try (0..<4).map { _ in try harness.makeUnmigratedStore(schema: schema, poolSize: 1) }
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for node in nodes { group.addTask { try await PostgresMigrator(migrations: slow).migrate(node) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(applied.filter { !$0.isEmpty } == [[1, 2]], "one node applies both migrations, the others none")
            #expect(try await Self.recorded(harness, schema: schema) == [1, 2])
            #expect(try await Self.tables(harness, schema: schema).isSuperset(of: ["first", "second"]))
        }
    }

    /// The real list, four nodes at once.
    @Test func nodesStartingTogetherWithTheRealSchema() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let schema = try await harness.makeSchema()
            let nodes = try (0..<4).map { _ in try harness.makeUnmigratedStore(schema: schema, poolSize: 1) }
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for node in nodes { group.addTask { try await node.migrate() } }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(applied == PostgresMigrations.all.map(\.version))
        }
    }

    /// A failing migration leaves nothing behind: not its own tables, not the ones before it.
    @Test func aFailingMigrationRollsBackWhole() async throws {
        let broken = [
            PostgresMigration(version: 1, name: "fine", statements: ["CREATE TABLE fine (id INTEGER)"]),
            PostgresMigration(version: 2, name: "broken", statements: ["CREATE TABLE half (id INTEGER)", "SELECT * FROM missing"]),
        ]
        try await PostgresTestDatabase.withHarness { harness in
            let schema = try await harness.makeSchema()
            let store = try harness.makeUnmigratedStore(schema: schema)
            await #expect(throws: PSQLError.self) { try await PostgresMigrator(migrations: broken).migrate(store) }
            #expect(try await Self.tables(harness, schema: schema).isEmpty)
        }
    }

    /// A database a newer build migrated is refused by name, not guessed at.
    @Test func aDatabaseNewerThanTheBuildIsRefused() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let schema = try await harness.makeSchema()
            let store = try harness.makeUnmigratedStore(schema: schema)
            try await store.migrate()
            _ = try await harness.admin.rows(
                PostgresQuery(unsafeSQL: "INSERT INTO \(schema).switchboard_migrations (version, name) VALUES (999, 'future')")
            )
            let error = await #expect(throws: PostgresStoreError.self) { try await store.migrate() }
            #expect(error?.code == .schemaTooNew)
            #expect(error?.description.contains("999") == true)
        }
    }
}
