// Inbound messages' own tables (the SQLite store's v1-inbox, v3-forms, v4-inbound-replay and
// v6-unrouted-inbound); the messages themselves are the outbox's `messages` rows.
extension PostgresMigrations {
    /// Inbox items (common when `owner` is NULL) with each user's read marks; inbound messages
    /// committed but not yet through the handler pipeline (`inbound_unrouted`, taken again after
    /// a crash); and the replay keys of signed requests, remembered until they expire.
    static let inbox = PostgresMigration(
        version: 11,
        name: "inbox",
        statements: [
            """
            CREATE TABLE inbox_items (
                id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                message_id  TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
                owner       TEXT,
                received_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX inbox_items_owner ON inbox_items (owner, id)",
            "CREATE INDEX inbox_items_message ON inbox_items (message_id)",
            """
            CREATE TABLE inbox_reads (
                item_id  BIGINT NOT NULL REFERENCES inbox_items (id) ON DELETE CASCADE,
                username TEXT NOT NULL,
                read_at  TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (item_id, username)
            )
            """,
            """
            CREATE TABLE inbound_unrouted (
                seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                message_id TEXT NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE
            )
            """,
            """
            CREATE TABLE inbound_replay_keys (
                connector  TEXT NOT NULL,
                key        TEXT NOT NULL,
                expires_at TIMESTAMPTZ NOT NULL,
                message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
                PRIMARY KEY (connector, key)
            )
            """,
            "CREATE INDEX inbound_replay_keys_expiry ON inbound_replay_keys (expires_at)",
        ]
    )

    /// Form submissions parsed from inbound messages: one per message at most, listed newest
    /// first per form by `seq` (the paging cursor); `fields` is the JSON array of
    /// `{path, value}` objects in document order, as the SQLite store keeps it.
    static let forms = PostgresMigration(
        version: 12,
        name: "forms",
        statements: [
            """
            CREATE TABLE form_submissions (
                seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id          TEXT NOT NULL UNIQUE,
                message_id  TEXT NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
                form_id     TEXT,
                version     TEXT,
                fields      TEXT NOT NULL,
                error       TEXT,
                received_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX form_submissions_form ON form_submissions (form_id, seq)",
        ]
    )
}
