import Logging
import PostgresNIO

/// One versioned step of the schema. Statements run one by one (the extended protocol takes
/// one statement per query), all inside the migrator's transaction.
struct PostgresMigration: Sendable {
    var version: Int
    var name: String
    var statements: [String]
}

/// Brings a database's schema up to date, safely when several nodes start at once.
///
/// Everything happens in one transaction that first takes `pg_advisory_xact_lock` on a key
/// of this hub and the current schema: a second node starting at the same moment waits there,
/// then finds the migrations recorded and applies nothing. A failed migration rolls back
/// whole (DDL is transactional in PostgreSQL), so a database is never left half-migrated. A
/// database that has run a migration this build does not know (a newer build's), or one under
/// another name, is refused rather than guessed at.
struct PostgresMigrator: Sendable {
    /// The advisory lock's first key ("SWBT"); the second is a hash of the schema's name, so
    /// stores in different schemas of one database do not wait for each other.
    static let lockKey: Int32 = 0x5357_4254

    var migrations: [PostgresMigration]

    /// Applies what is missing; returns the versions applied by this call (empty when another
    /// node, or an earlier start, already did).
    func migrate(_ store: PostgresStore) async throws -> [Int] {
        let logger = store.logger
        let migrations = self.migrations
        let applied = try await store.transaction { connection -> [Int] in
            try await connection.execute("SELECT pg_advisory_xact_lock(\(Self.lockKey), hashtext(current_schema()))", logger: logger)
            try await connection.execute(
                """
                CREATE TABLE IF NOT EXISTS switchboard_migrations (
                    version    INTEGER PRIMARY KEY,
                    name       TEXT NOT NULL,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """,
                logger: logger
            )
            var done: [Int: String] = [:]
            for row in try await connection.rows("SELECT version, name FROM switchboard_migrations", logger: logger) {
                done[try row["version"].decode(Int.self)] = try row["name"].decode(String.self)
            }
            let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0.name) })
            for (version, name) in done.sorted(by: { $0.key < $1.key }) {
                guard let expected = known[version] else {
                    throw PostgresStoreError.schemaTooNew(version: version, name: name, known: migrations.map(\.version).max() ?? 0)
                }
                guard expected == name else {
                    throw PostgresStoreError.schemaMismatch(version: version, stored: name, expected: expected)
                }
            }
            var appliedNow: [Int] = []
            for migration in migrations.sorted(by: { $0.version < $1.version }) where done[migration.version] == nil {
                for statement in migration.statements {
                    try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.execute(
                    "INSERT INTO switchboard_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger
                )
                appliedNow.append(migration.version)
            }
            return appliedNow
        }
        if !applied.isEmpty { logger.info("database migrated", metadata: ["versions": "\(applied)"]) }
        return applied
    }
}
