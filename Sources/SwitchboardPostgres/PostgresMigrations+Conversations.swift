// Conversations (the SQLite store's v7-conversations).
extension PostgresMigrations {
    /// Transcript, steps and data are JSON text, as on SQLite: a turn rewrites the row whole
    /// and nothing queries inside them. `seq` is the listing's tie-break and cursor. A
    /// connection has at most one ongoing conversation (the partial unique index, which a
    /// turn's write checks as it runs, waiting for another node's uncommitted one); each other
    /// index holds only the rows its query asks for. A sign-out deadline is one row per
    /// connection, so setting it again replaces it.
    static let conversations = PostgresMigration(
        version: 13,
        name: "conversations",
        statements: [
            """
            CREATE TABLE conversations (
                seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id            TEXT NOT NULL UNIQUE,
                connector     TEXT NOT NULL,
                address       TEXT NOT NULL,
                username      TEXT,
                contact_id    TEXT,
                responder     TEXT NOT NULL,
                status        TEXT NOT NULL,
                started_at    TIMESTAMPTZ NOT NULL,
                updated_at    TIMESTAMPTZ NOT NULL,
                transcript    TEXT NOT NULL,
                steps         TEXT NOT NULL,
                next_step     TEXT,
                list_shortcut TEXT,
                data          TEXT NOT NULL,
                expires_at    TIMESTAMPTZ,
                end_reason    TEXT,
                ended_by      TEXT,
                revision      INTEGER NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX conversations_ongoing ON conversations (connector, address) WHERE status = 'ongoing'",
            "CREATE INDEX conversations_expiry ON conversations (expires_at, seq) WHERE status = 'ongoing'",
            "CREATE INDEX conversations_finished ON conversations (updated_at) WHERE status <> 'ongoing'",
            "CREATE INDEX conversations_started ON conversations (started_at, seq)",
            "CREATE INDEX conversations_user ON conversations (username, started_at) WHERE username IS NOT NULL",
            """
            CREATE TABLE conversation_signouts (
                connector TEXT NOT NULL,
                address   TEXT NOT NULL,
                due_at    TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (connector, address)
            )
            """,
            "CREATE INDEX conversation_signouts_due ON conversation_signouts (due_at)",
        ]
    )
}
