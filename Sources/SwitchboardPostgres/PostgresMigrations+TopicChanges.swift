extension PostgresMigrations {
    /// Every committed topic change (POST, PUT, DELETE) with its revision and writer, so that
    /// each node can hand other nodes' changes to its own subscribers in revision order, as
    /// their writer broadcast them. Written in the change's transaction; entries older than
    /// the retention are pruned (`PostgresFanOutListener`), so a node away for longer drops its
    /// subscribers of that topic, which reconnect and read the rows themselves.
    static let topicChanges = PostgresMigration(
        version: 40,
        name: "topic-changes",
        statements: [
            """
            CREATE TABLE switchboard_topic_changes (
                tbl        TEXT NOT NULL,
                revision   BIGINT NOT NULL,
                change     TEXT NOT NULL,
                author     TEXT,
                created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                PRIMARY KEY (tbl, revision)
            )
            """,
            "CREATE INDEX switchboard_topic_changes_created ON switchboard_topic_changes (created_at)",
        ]
    )
}
