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

// The transcript as an append-only table (the SQLite store's v9-conversation-messages).
extension PostgresMigrations {
    /// The transcript leaves the conversation row: one row per message, appended by its turn
    /// (a turn used to rewrite the whole JSON transcript). Existing transcripts move over; each
    /// message from the party takes the step that ran on it (the k-th such message the k-th
    /// step, as `/replay` paired them), and `step_count` is the length of the old step list.
    /// Appended rather than folded into version 13, so the rule that a shipped migration is
    /// never edited holds from the first PostgreSQL release on.
    static let conversationMessages = PostgresMigration(
        version: 15,
        name: "conversation-messages",
        statements: [
            """
            CREATE TABLE conversation_messages (
                conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
                seq             INTEGER NOT NULL,
                direction       TEXT NOT NULL,
                text            TEXT NOT NULL,
                message_id      TEXT,
                step            TEXT,
                at              TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (conversation_id, seq)
            )
            """,
            """
            CREATE INDEX conversation_messages_inbound ON conversation_messages (message_id)
            WHERE direction = 'inbound' AND message_id IS NOT NULL
            """,
            """
            INSERT INTO conversation_messages (conversation_id, seq, direction, text, message_id, step, at)
            SELECT id, n, direction, text, message_id,
                   CASE WHEN direction = 'inbound' THEN steps::jsonb ->> (answered - 1)::int END,
                   to_timestamp(at)
            FROM (
                SELECT c.id, c.steps, t.n::int AS n,
                       t.e ->> 'direction' AS direction,
                       t.e ->> 'text' AS text,
                       t.e ->> 'messageID' AS message_id,
                       (t.e ->> 'at')::float8 AS at,
                       count(*) FILTER (WHERE t.e ->> 'direction' = 'inbound') OVER (PARTITION BY c.id ORDER BY t.n) AS answered
                FROM conversations c, jsonb_array_elements(c.transcript::jsonb) WITH ORDINALITY AS t (e, n)
            ) moved
            """,
            "ALTER TABLE conversations ADD COLUMN step_count INTEGER NOT NULL DEFAULT 0",
            "UPDATE conversations SET step_count = jsonb_array_length(steps::jsonb)",
            "ALTER TABLE conversations DROP COLUMN transcript",
            "ALTER TABLE conversations DROP COLUMN steps",
        ]
    )
}
