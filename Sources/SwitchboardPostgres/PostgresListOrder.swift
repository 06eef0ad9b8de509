// Lists paged by an id taken at insert, whose ids must also be the order rows become visible.
//
// An identity value is taken when a transaction inserts, but the row is seen only when that
// transaction commits, so with two writers at once id 9 can commit after id 10. A reader
// that has seen 10 then takes "up to 10" (mark all read) or "above 10" (what is new) for
// final, and 9 is marked unseen or never listed. Writers of such a table therefore take the
// table's advisory transaction lock before their id and keep it to their commit: the next
// writer takes its id only once the previous one is visible, so "I have seen id N" means
// "every id below N that will ever exist, I could have seen". PostgreSQL releases the lock
// after the commit is visible (`CommitTransaction`: `ProcArrayEndTransaction`, then the
// locks), never before.
//
// The cost is that such inserts commit one after another (one flush each); the lock is
// taken by the insert itself, the last statement before COMMIT, so nothing else of the
// transaction waits in line. Topics need no such lock: every write already row-locks the
// topic's revision first (`PostgresStore+Topics`). SQLite has one writer at a time, whose
// ids commit in order by construction.

/// A table whose insert-time ids are read as "everything up to here" or "above here", so
/// ids must become visible in order (see the comment above).
enum PostgresListOrder: String {
    /// Inbox items: pages newest first, "mark all read up to the newest item shown".
    case inboxItems = "inbox_items"
    /// Form submissions: pages newest first by `seq`.
    case formSubmissions = "form_submissions"

    /// A one-row `SELECT` that takes this table's lock until the transaction ends; an insert
    /// selects FROM it (as a `MATERIALIZED` CTE) so its identity value is taken after the lock.
    /// Per schema, so stores on schemas of their own (tests) do not wait for each other.
    var lockSelect: String {
        "SELECT pg_advisory_xact_lock(\(PostgresMigrator.lockKey), hashtext(current_schema() || '/\(rawValue)')) AS locked"
    }
}
