// Sent references (the SQLite store's v8-sent-parts).
extension PostgresMigrations {
    /// What a modem's status reports are matched by (`SentReferenceStore`): one row per part
    /// sent, under the reference the modem gave it. `recipient_key` is
    /// `SentPart.recipientKey(recipient)`, so the match is one range of `sent_parts_match`;
    /// `sent_parts_sent` serves each connector's purge of its window.
    static let sentParts = PostgresMigration(
        version: 17,
        name: "sent-parts",
        statements: [
            """
            CREATE TABLE sent_parts (
                seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                connector     TEXT NOT NULL,
                reference     INTEGER NOT NULL,
                recipient     TEXT NOT NULL,
                recipient_key TEXT NOT NULL,
                sent_at       TIMESTAMPTZ NOT NULL,
                delivery_id   TEXT NOT NULL,
                part          INTEGER NOT NULL,
                parts         INTEGER NOT NULL,
                outcome       TEXT,
                UNIQUE (delivery_id, part)
            )
            """,
            "CREATE INDEX sent_parts_match ON sent_parts (connector, reference, recipient_key, sent_at)",
            "CREATE INDEX sent_parts_sent ON sent_parts (connector, sent_at)",
        ]
    )
}
