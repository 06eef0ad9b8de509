import PostgresNIO

// Lists paged by an id taken at insert, read as "everything up to here".
//
// An identity value is taken when a transaction inserts, but the row is seen only when that
// transaction commits, so with two writers at once id 10 can be seen while id 9 is still on
// its way. A page read then shows 10 and not 9; "mark all read up to the newest shown" later
// marks 9, which nobody was shown, and a reader taking "above the newest I saw" for new never
// lists it.
//
// So a page is read below a *horizon*: an id below which every row that will ever exist is
// already visible. Writers of such a table hold the table's advisory lock in SHARED mode from
// before their id to their commit (taken by the insert itself, the transaction's last
// statement); shared holders never wait for each other, so inserts still commit side by side
// and share flushes. A reader takes the same lock EXCLUSIVE for a moment: granted once every
// writer that had taken an id has committed (PostgreSQL releases a transaction's locks after
// its commit is visible: `ProcArrayEndTransaction` comes before the lock release in
// `CommitTransaction`), while no new writer can take one; the id sequence's last value is
// then the horizon. A reader waits at most for the inserts in flight (one flush), and
// writers queue behind it only as long.
//
// Serialising the writers instead (one exclusive lock to each commit) was measured at about
// 250 inserts/s against 1,900–2,300 without it (pgbench, 8 clients, this machine's disk):
// the flushes go one by one. Topics need neither: every write row-locks the topic's revision
// first (`PostgresStore+Topics`). SQLite has one writer at a time, whose ids commit in order.

/// A table whose insert-time ids are read as "everything up to here": writers take its lock
/// shared, page reads read below `PostgresStore.listHorizon(_:)` (see the comment above).
enum PostgresListOrder: String {
    /// Inbox items: pages newest first, "mark all read up to the newest item shown".
    case inboxItems = "inbox_items"
    /// Form submissions: pages newest first by `seq`.
    case formSubmissions = "form_submissions"

    /// A one-row `SELECT` that takes this table's writer lock (shared) until the transaction
    /// ends; an insert selects FROM it as a `MATERIALIZED` CTE, so its id is taken after it.
    var writerLock: String { "SELECT pg_advisory_xact_lock_shared(\(lockKeys)) AS locked" }

    /// Per schema, so stores on schemas of their own (tests) do not wait for each other.
    private var lockKeys: String { "\(PostgresMigrator.lockKey), hashtext(current_schema() || '/\(rawValue)')" }

    /// The identity sequence of the table's paging id.
    private var sequence: String {
        switch self {
        case .inboxItems: "inbox_items_id_seq"
        case .formSubmissions: "form_submissions_seq_seq"
        }
    }

    fileprivate var readerLock: String { "SELECT pg_advisory_xact_lock(\(lockKeys))" }
    fileprivate var lastID: String { "SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS last FROM \(sequence)" }
}

extension PostgresStore {
    /// An id of `list` below which every row is visible now or never will be: what a page may
    /// show, so that the newest id it shows stands for everything up to it.
    func listHorizon(_ list: PostgresListOrder) async throws -> Int64 {
        let logger = logger
        return try await transaction { connection in
            try await connection.execute("\(unescaped: list.readerLock)", logger: logger)
            let last = try await connection.rows("\(unescaped: list.lastID)", logger: logger)
            return try last.first?["last"].decode(Int64.self) ?? 0
        }
    }
}
