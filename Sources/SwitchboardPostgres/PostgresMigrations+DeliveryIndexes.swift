extension PostgresMigrations {
    /// Fewer index entries per sent message. Every status change of a delivery (queued →
    /// sending → sent) touches an indexed column, so no such update is HOT and each new row
    /// version gets an entry in every index whose predicate it meets: 21 entries per message
    /// with the first schema, 13 with this one.
    ///
    /// - `deliveries_created (status, created_at)` and `deliveries_updated (status, updated_at)`
    ///   took an entry for every version of every delivery, sent ones included, yet are read
    ///   only for a few statuses: cancelling what waits (`queued`, `held`, by age) and the
    ///   dead-letter lists and requeue (`failed`, `held`, newest change first). Partial indexes
    ///   with exactly those statuses replace them; a sent or sending row enters neither.
    ///   Recipients still waiting (`queued`, `held`, `sending`) are read through
    ///   `deliveries_waiting` or'ed with `deliveries_lease`.
    /// - The unique index on `seq` served no query (each one orders by `seq` after another
    ///   column, inside another index) and cost an entry per version; `seq` stays an identity
    ///   column, whose values are unique without it.
    /// - No `fillfactor` below 100: measured at 70, the outcomes' and claims' writes read and
    ///   logged 2–3 % less, but every page left under 30 % free is pruned by whoever reads it
    ///   next, so readers walking the partial indexes (`nextDue`, a drain's "anything left?")
    ///   paid more than the writers saved.
    static let deliveryIndexes = PostgresMigration(
        version: 100,
        name: "delivery-indexes",
        statements: [
            "ALTER TABLE deliveries DROP CONSTRAINT deliveries_seq_key",
            "DROP INDEX deliveries_created",
            "DROP INDEX deliveries_updated",
            "CREATE INDEX deliveries_waiting ON deliveries (created_at) WHERE status IN ('queued', 'held')",
            "CREATE INDEX deliveries_parked ON deliveries (status, updated_at, seq) WHERE status IN ('failed', 'held')",
        ]
    )
}
