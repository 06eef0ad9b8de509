// The tables every topic shares; each topic's own table is made by `prepareTopics`, from
// the configuration, when the hub starts.
extension PostgresMigrations {
    /// `switchboard_topic_state` holds each topic table's revision, bumped (and so row-locked)
    /// first in every write's transaction: writes to one topic commit in revision order, which
    /// makes the revision a gap-free sequence a reader can follow ("rows above what I saw").
    /// `switchboard_topic_columns` remembers each column's declared type; alerts wait in
    /// `switchboard_topic_alerts` from their write's commit until they are in the outbox.
    static let topics = PostgresMigration(
        version: 14,
        name: "topics",
        statements: [
            "CREATE TABLE switchboard_topic_state (tbl TEXT PRIMARY KEY, revision BIGINT NOT NULL DEFAULT 0)",
            """
            CREATE TABLE switchboard_topic_columns (
                tbl  TEXT NOT NULL,
                col  TEXT NOT NULL,
                type TEXT NOT NULL,
                PRIMARY KEY (tbl, col)
            )
            """,
            """
            CREATE TABLE switchboard_topic_alerts (
                id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                topic      TEXT NOT NULL,
                change     TEXT NOT NULL,
                principal  TEXT,
                created_at TEXT NOT NULL
            )
            """,
        ]
    )
}
