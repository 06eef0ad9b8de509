/// The schema, as an ordered list of migrations (the SQLite store's tables, in PostgreSQL's
/// types: `timestamptz` for dates, `text[]` for lists, `bytea` for attachment bytes).
///
/// A migration that has shipped is never edited: databases in the field have run it and only
/// its version and name are recorded. Change the schema by appending the next version.
/// Identity columns (`seq`, `id`) stand in for SQLite's rowid: the order rows were written,
/// used to break ties exactly as the SQLite store does.
enum PostgresMigrations {
    static let all: [PostgresMigration] = [
        outbox, directory, inbox, forms, conversations, topics, conversationMessages, tokenScopes, sentParts, clusterLeases,
        sendSlots, topicChanges, unroutedMarkedAt, tokenPages, deliveryIndexes,
    ]

    /// Messages with their attachments and deliveries, the dispatcher's claims (leases),
    /// attempts, idempotency keys and the operator's status history.
    static let outbox = PostgresMigration(
        version: 1,
        name: "outbox",
        statements: [
            """
            CREATE TABLE messages (
                id               TEXT PRIMARY KEY,
                direction        TEXT NOT NULL,
                subject          TEXT,
                text             TEXT NOT NULL,
                html             TEXT,
                severity         TEXT NOT NULL,
                sender           TEXT,
                created_at       TIMESTAMPTZ NOT NULL,
                origin_connector TEXT,
                origin_from      TEXT,
                origin_to        TEXT,
                warnings         TEXT[] NOT NULL DEFAULT '{}'
            )
            """,
            "CREATE INDEX messages_created ON messages (created_at)",
            """
            CREATE TABLE attachments (
                message_id   TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
                position     INTEGER NOT NULL,
                filename     TEXT NOT NULL,
                content_type TEXT NOT NULL,
                data         BYTEA NOT NULL,
                PRIMARY KEY (message_id, position)
            )
            """,
            """
            CREATE TABLE deliveries (
                seq              BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
                id               TEXT PRIMARY KEY,
                message_id       TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
                position         INTEGER NOT NULL,
                address          TEXT NOT NULL,
                channel          TEXT NOT NULL,
                status           TEXT NOT NULL,
                attempts         INTEGER NOT NULL DEFAULT 0,
                next_attempt_at  TIMESTAMPTZ,
                pinned_connector TEXT,
                connector        TEXT,
                receipt_id       TEXT,
                last_error       TEXT,
                created_at       TIMESTAMPTZ NOT NULL,
                updated_at       TIMESTAMPTZ NOT NULL,
                lease_until      TIMESTAMPTZ
            )
            """,
            // The claim's two range scans hold only the rows they ask for (as on SQLite).
            "CREATE INDEX deliveries_due ON deliveries (next_attempt_at, seq) WHERE status = 'queued'",
            "CREATE INDEX deliveries_lease ON deliveries (lease_until, seq) WHERE status = 'sending'",
            "CREATE INDEX deliveries_message ON deliveries (message_id, position)",
            "CREATE INDEX deliveries_address ON deliveries (address, status)",
            "CREATE INDEX deliveries_created ON deliveries (status, created_at)",
            "CREATE INDEX deliveries_updated ON deliveries (status, updated_at)",
            "CREATE INDEX deliveries_receipt ON deliveries (connector, receipt_id) WHERE receipt_id IS NOT NULL",
            """
            CREATE TABLE delivery_attempts (
                id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
                number      INTEGER NOT NULL,
                at          TIMESTAMPTZ NOT NULL,
                connector   TEXT NOT NULL,
                outcome     TEXT NOT NULL,
                error       TEXT,
                receipt_id  TEXT
            )
            """,
            "CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id)",
            """
            CREATE TABLE idempotency_keys (
                scope       TEXT NOT NULL,
                key         TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                message_id  TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
                created_at  TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (scope, key)
            )
            """,
            "CREATE INDEX idempotency_keys_message ON idempotency_keys (message_id)",
            """
            CREATE TABLE status_changes (
                id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
                from_status TEXT NOT NULL,
                to_status   TEXT NOT NULL,
                reason      TEXT NOT NULL,
                actor       TEXT NOT NULL,
                at          TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX status_changes_delivery ON status_changes (delivery_id, id)",
        ]
    )
}
