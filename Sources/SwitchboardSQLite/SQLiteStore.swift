import Foundation
import GRDB
import SwitchboardCore

/// The hub's embedded default store: everything the hub keeps, in one SQLite file.
///
/// One process owns the file. Writes go through GRDB's single writer connection, each in one
/// `BEGIN IMMEDIATE` transaction, so an API call that returns has its data on disk
/// (`synchronous = FULL` by default) and two writers in the process never interleave. Reads use
/// the pool's reader connections and see committed snapshots (WAL), so listing the inbox never
/// waits for the dispatcher.
package final class SQLiteStore: HubStore {
    /// How to open the database.
    package struct Configuration: Sendable, Equatable {
        /// The database file; `nil` opens a private in-memory database (tests only: nothing survives).
        package var path: String?
        /// `full` survives power loss; `normal` survives only a crash of the process.
        package var synchronous: StorageSettings.Synchronous
        /// How long a write waits for another process (e.g. the CLI) holding the lock, in seconds.
        package var busyTimeout: TimeInterval
        /// How long a looked-up token, session or user is trusted without reading it again,
        /// in seconds (0: always read). This process's own changes apply at once; another
        /// process's (the CLI's) within this time. See `CredentialCache`.
        package var credentialCacheTTL: TimeInterval

        package init(
            path: String?,
            synchronous: StorageSettings.Synchronous = .full,
            busyTimeout: TimeInterval = 5,
            credentialCacheTTL: TimeInterval = 5
        ) {
            self.path = path
            self.synchronous = synchronous
            self.busyTimeout = busyTimeout
            self.credentialCacheTTL = credentialCacheTTL
        }
    }

    /// The file name used inside a data directory.
    package static let fileName = "switchboard.sqlite"

    package let configuration: Configuration
    /// A `DatabasePool` for files, a `DatabaseQueue` in memory; both are Sendable.
    let writer: any DatabaseWriter
    /// Every write of the hot paths goes through here, so concurrent writes share a commit.
    let commits: GroupCommit
    /// Who a token or session belongs to, for a few seconds; see `CredentialCache`.
    let credentialCache: CredentialCache
    /// Checkpoints the log off the commit path (files only) while `serve` runs it in its
    /// service group; see `Checkpointer`.
    package let checkpointer: Checkpointer?
    /// One node by design: every lease is granted (see `ClusterLeases`).
    let leases = SingleNodeLeases()

    /// Opens (creating if needed) and migrates the database.
    package init(configuration: Configuration) throws {
        self.configuration = configuration
        credentialCache = CredentialCache(ttl: configuration.credentialCacheTTL)
        var config = GRDB.Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(configuration.busyTimeout)
        config.label = "switchboard"
        let synchronous = configuration.synchronous == .full ? "FULL" : "NORMAL"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
        }
        if let path = configuration.path {
            let pool = try DatabasePool(path: path, configuration: config)
            // GRDB switches the writer to NORMAL when it enables WAL, after `prepareDatabase`
            // ran; put our choice back so committed really means on disk.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Checkpointer.backstopPages)")
            }
            writer = pool
            checkpointer = try Checkpointer(path: path, busyTimeout: configuration.busyTimeout)
        } else {
            writer = try DatabaseQueue(configuration: config)
            checkpointer = nil
        }
        try SQLiteMigrations.migrator.migrate(writer)
        commits = GroupCommit(writer: writer, flushes: configuration.synchronous == .full && configuration.path != nil)
    }

    /// Opens `switchboard.sqlite` in `directory`, creating the directory if it is missing.
    package convenience init(
        directory: String,
        synchronous: StorageSettings.Synchronous = .full,
        credentialCacheTTL: TimeInterval = 5
    ) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = URL(fileURLWithPath: directory).appendingPathComponent(Self.fileName).path
        try self.init(configuration: Configuration(path: path, synchronous: synchronous, credentialCacheTTL: credentialCacheTTL))
    }

    /// A fresh, empty store in memory, for tests.
    package static func inMemory() throws -> SQLiteStore {
        try SQLiteStore(configuration: Configuration(path: nil))
    }

    // MARK: - Helpers shared by the feature extensions

    /// Runs `body` in one write transaction, turning SQLite constraint errors into the
    /// hub's errors with `mapConstraint` (return `nil` to keep the database error).
    func write<T: Sendable>(
        mapConstraint: (DatabaseError) -> SwitchboardError? = { _ in nil },
        _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        do {
            return try await commits.write(body)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw mapConstraint(error) ?? error
        }
    }

    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        try await writer.read(body)
    }
}

/// How dates are kept: REAL seconds since 1970, so SQL can compare them and people can read
/// them with `datetime(x, 'unixepoch')`. Every comparison binds a date encoded the same way.
enum SQLDate {
    static func encode(_ date: Date) -> Double { date.timeIntervalSince1970 }
    static func encodeIfPresent(_ date: Date?) -> Double? { date.map(encode) }
    static func decode(_ value: Double) -> Date { Date(timeIntervalSince1970: value) }
    static func decodeIfPresent(_ value: Double?) -> Date? { value.map(decode) }
    /// The value a date reads back as, so a returned record equals a re-read one.
    static func normalize(_ date: Date) -> Date { decode(encode(date)) }
}

extension DatabaseError {
    /// True for a violated foreign key, e.g. a contact linked to a user that does not exist.
    var isForeignKeyViolation: Bool { extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY }
    /// True for a duplicate primary key or unique value.
    var isDuplicate: Bool {
        extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY || extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
    }
}

extension Array {
    /// Splits long `IN (…)` lists so no statement exceeds SQLite's bound-parameter limit.
    func chunked(by size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

// MARK: - Diagnostics

extension SQLiteStore {
    /// Settings worth checking on a live database; an enum so no text reaches the SQL.
    enum Pragma: String, Sendable {
        case journalMode = "journal_mode"
        case synchronous
        case foreignKeys = "foreign_keys"
        case busyTimeout = "busy_timeout"
    }

    /// The setting as the writer connection, the one that commits, has it.
    func writerPragma(_ pragma: Pragma) async throws -> String? {
        try await writer.writeWithoutTransaction { db in
            try String.fetchOne(db, sql: "PRAGMA \(pragma.rawValue)")
        }
    }

    /// The setting as a reader connection has it.
    func readerPragma(_ pragma: Pragma) async throws -> String? {
        try await writer.read { db in try String.fetchOne(db, sql: "PRAGMA \(pragma.rawValue)") }
    }

    /// Names of the migrations this database has run, in order.
    func appliedMigrations() async throws -> [String] {
        try await writer.read { db in try SQLiteMigrations.migrator.appliedMigrations(db) }
    }

    /// SQLite's plan for a statement, one line per step, to prove hot queries use their index.
    func queryPlan(_ sql: String, arguments: [Int]) async throws -> [String] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: StatementArguments(arguments)).map { row in
                try row.decode(String.self, forColumn: "detail")
            }
        }
    }
}
