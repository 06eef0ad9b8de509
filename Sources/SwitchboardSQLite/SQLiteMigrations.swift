import GRDB

/// The schema, as an ordered list of migrations.
///
/// A migration that has shipped is never edited: databases in the field have already run it,
/// and GRDB only records its name. Change the schema by appending a new `vN-…` migration.
/// `groups` and `key` are quoted because they are SQL keywords.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1-directory") { db in
            try db.execute(
                sql: """
                    CREATE TABLE users (
                        username      TEXT PRIMARY KEY NOT NULL,
                        display_name  TEXT,
                        role          TEXT NOT NULL,
                        password_hash TEXT NOT NULL,
                        created_at    REAL NOT NULL
                    );
                    CREATE TABLE sessions (
                        token_hash TEXT PRIMARY KEY NOT NULL,
                        username   TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE ON UPDATE CASCADE,
                        expires_at REAL NOT NULL
                    );
                    CREATE INDEX sessions_username ON sessions(username);
                    CREATE TABLE api_tokens (
                        id         TEXT PRIMARY KEY NOT NULL,
                        username   TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE ON UPDATE CASCADE,
                        name       TEXT NOT NULL,
                        token_hash TEXT NOT NULL UNIQUE,
                        created_at REAL NOT NULL
                    );
                    CREATE INDEX api_tokens_username ON api_tokens(username);
                    CREATE TABLE contacts (
                        id         TEXT PRIMARY KEY NOT NULL,
                        name       TEXT NOT NULL,
                        username   TEXT REFERENCES users(username) ON DELETE SET NULL ON UPDATE CASCADE,
                        created_at REAL NOT NULL
                    );
                    CREATE INDEX contacts_username ON contacts(username);
                    CREATE INDEX contacts_name ON contacts(name);
                    CREATE TABLE contact_addresses (
                        contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
                        position   INTEGER NOT NULL,
                        address    TEXT NOT NULL,
                        PRIMARY KEY (contact_id, position)
                    ) WITHOUT ROWID;
                    CREATE INDEX contact_addresses_address ON contact_addresses(address);
                    CREATE TABLE "groups" (
                        name        TEXT PRIMARY KEY NOT NULL,
                        description TEXT,
                        created_at  REAL NOT NULL
                    );
                    CREATE TABLE group_members (
                        group_name TEXT NOT NULL REFERENCES "groups"(name) ON DELETE CASCADE ON UPDATE CASCADE,
                        contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
                        PRIMARY KEY (group_name, contact_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX group_members_contact ON group_members(contact_id);
                    """
            )
        }

        migrator.registerMigration("v1-outbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE messages (
                        id               TEXT PRIMARY KEY NOT NULL,
                        direction        TEXT NOT NULL,
                        subject          TEXT,
                        text             TEXT NOT NULL,
                        html             TEXT,
                        severity         TEXT NOT NULL,
                        sender           TEXT,
                        created_at       REAL NOT NULL,
                        origin_connector TEXT,
                        origin_from      TEXT,
                        origin_to        TEXT,
                        warnings         TEXT NOT NULL DEFAULT '[]'
                    );
                    CREATE TABLE attachments (
                        message_id   TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
                        position     INTEGER NOT NULL,
                        filename     TEXT NOT NULL,
                        content_type TEXT NOT NULL,
                        data         BLOB NOT NULL,
                        PRIMARY KEY (message_id, position)
                    );
                    CREATE TABLE deliveries (
                        id               TEXT PRIMARY KEY NOT NULL,
                        message_id       TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
                        position         INTEGER NOT NULL,
                        address          TEXT NOT NULL,
                        channel          TEXT NOT NULL,
                        status           TEXT NOT NULL,
                        attempts         INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at  REAL,
                        pinned_connector TEXT,
                        connector        TEXT,
                        receipt_id       TEXT,
                        last_error       TEXT,
                        created_at       REAL NOT NULL,
                        updated_at       REAL NOT NULL,
                        lease_until      REAL
                    );
                    CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);
                    CREATE INDEX deliveries_lease ON deliveries(status, lease_until);
                    CREATE INDEX deliveries_message ON deliveries(message_id, position);
                    CREATE TABLE delivery_attempts (
                        id          INTEGER PRIMARY KEY,
                        delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
                        number      INTEGER NOT NULL,
                        at          REAL NOT NULL,
                        connector   TEXT NOT NULL,
                        outcome     TEXT NOT NULL,
                        error       TEXT,
                        receipt_id  TEXT
                    );
                    CREATE INDEX delivery_attempts_delivery ON delivery_attempts(delivery_id, id);
                    CREATE TABLE idempotency_keys (
                        scope       TEXT NOT NULL,
                        "key"       TEXT NOT NULL,
                        fingerprint TEXT NOT NULL,
                        message_id  TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
                        created_at  REAL NOT NULL,
                        PRIMARY KEY (scope, "key")
                    );
                    CREATE INDEX idempotency_keys_message ON idempotency_keys(message_id);
                    """
            )
        }

        migrator.registerMigration("v1-inbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE inbox_items (
                        id          INTEGER PRIMARY KEY AUTOINCREMENT,
                        message_id  TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
                        owner       TEXT,
                        received_at REAL NOT NULL
                    );
                    CREATE INDEX inbox_items_owner ON inbox_items(owner, id);
                    CREATE INDEX inbox_items_message ON inbox_items(message_id);
                    CREATE TABLE inbox_reads (
                        item_id  INTEGER NOT NULL REFERENCES inbox_items(id) ON DELETE CASCADE,
                        username TEXT NOT NULL,
                        read_at  REAL NOT NULL,
                        PRIMARY KEY (item_id, username)
                    ) WITHOUT ROWID;
                    """
            )
        }

        // The operator's queue: the history of hand-made and sweeper status changes, and the
        // indexes the queue listings, the age sweep, the dead-letter list and receipt look-ups
        // range-scan instead of reading the whole outbox.
        migrator.registerMigration("v2-queue") { db in
            try db.execute(
                sql: """
                    CREATE TABLE status_changes (
                        id          INTEGER PRIMARY KEY,
                        delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
                        from_status TEXT NOT NULL,
                        to_status   TEXT NOT NULL,
                        reason      TEXT NOT NULL,
                        actor       TEXT NOT NULL,
                        at          REAL NOT NULL
                    );
                    CREATE INDEX status_changes_delivery ON status_changes(delivery_id, id);
                    CREATE INDEX deliveries_address ON deliveries(address, status);
                    CREATE INDEX deliveries_created ON deliveries(status, created_at);
                    CREATE INDEX deliveries_updated ON deliveries(status, updated_at);
                    CREATE INDEX deliveries_receipt ON deliveries(connector, receipt_id) WHERE receipt_id IS NOT NULL;
                    """
            )
        }

        // XForms submissions parsed from inbound messages: one per message at most, listed
        // newest first per form by `seq`, the order they were recorded (and the paging cursor).
        // `fields` is a JSON array of {path, value} objects in document order.
        migrator.registerMigration("v3-forms") { db in
            try db.execute(
                sql: """
                    CREATE TABLE form_submissions (
                        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
                        id          TEXT NOT NULL UNIQUE,
                        message_id  TEXT NOT NULL UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
                        form_id     TEXT,
                        version     TEXT,
                        fields      TEXT NOT NULL,
                        error       TEXT,
                        received_at REAL NOT NULL
                    );
                    CREATE INDEX form_submissions_form ON form_submissions(form_id, seq);
                    """
            )
        }

        // Signed inbound requests (webhooks) already committed, so a replay within the
        // signature's tolerance window is refused instead of stored twice. Rows expire with
        // the window and are deleted by the next insert, which keeps the table small.
        migrator.registerMigration("v4-inbound-replay") { db in
            try db.execute(
                sql: """
                    CREATE TABLE inbound_replay_keys (
                        connector  TEXT NOT NULL,
                        key        TEXT NOT NULL,
                        expires_at REAL NOT NULL,
                        message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
                        PRIMARY KEY (connector, key)
                    ) WITHOUT ROWID;
                    CREATE INDEX inbound_replay_keys_expiry ON inbound_replay_keys(expires_at);
                    """
            )
        }

        // The dispatcher's two look-ups only ever ask for queued (due) and sending (leased)
        // deliveries: partial indexes hold just those rows, so the millions that were sent
        // cost no index entries, and a status change touches these only on the way in and out.
        migrator.registerMigration("v5-partial-dispatch-indexes") { db in
            try db.execute(
                sql: """
                    DROP INDEX deliveries_due;
                    CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'queued';
                    DROP INDEX deliveries_lease;
                    CREATE INDEX deliveries_lease ON deliveries(lease_until) WHERE status = 'sending';
                    """
            )
        }

        // Inbound messages committed but not yet through the handler pipeline. A hub killed in
        // between routes them again at its next start, so an acknowledged message always
        // reaches a handler or an inbox. Messages from before this table were all routed.
        migrator.registerMigration("v6-unrouted-inbound") { db in
            try db.execute(
                sql: """
                    CREATE TABLE inbound_unrouted (
                        seq        INTEGER PRIMARY KEY,
                        message_id TEXT NOT NULL UNIQUE REFERENCES messages(id) ON DELETE CASCADE
                    );
                    """
            )
        }

        // Conversations (multi-step dialogues). Transcript, steps and data are JSON text: a
        // turn rewrites the row whole, and nothing queries inside them. `seq` is the listing's
        // tie-break and cursor. A connection has at most one ongoing conversation (the partial
        // unique index, which a turn's write checks as it runs); the sweeper finds idle ones by
        // `conversations_expiry` and purges finished ones by `conversations_finished`; each
        // index holds only the rows its query asks for. A sign-out deadline is one row per
        // connection, so setting it again replaces it.
        migrator.registerMigration("v7-conversations") { db in
            try db.execute(
                sql: """
                    CREATE TABLE conversations (
                        seq           INTEGER PRIMARY KEY,
                        id            TEXT NOT NULL UNIQUE,
                        connector     TEXT NOT NULL,
                        address       TEXT NOT NULL,
                        username      TEXT,
                        contact_id    TEXT,
                        responder     TEXT NOT NULL,
                        status        TEXT NOT NULL,
                        started_at    REAL NOT NULL,
                        updated_at    REAL NOT NULL,
                        transcript    TEXT NOT NULL,
                        steps         TEXT NOT NULL,
                        next_step     TEXT,
                        list_shortcut TEXT,
                        data          TEXT NOT NULL,
                        expires_at    REAL,
                        end_reason    TEXT,
                        ended_by      TEXT,
                        revision      INTEGER NOT NULL
                    );
                    CREATE UNIQUE INDEX conversations_ongoing ON conversations(connector, address) WHERE status = 'ongoing';
                    CREATE INDEX conversations_expiry ON conversations(expires_at) WHERE status = 'ongoing';
                    CREATE INDEX conversations_finished ON conversations(updated_at) WHERE status <> 'ongoing';
                    CREATE INDEX conversations_started ON conversations(started_at);
                    CREATE INDEX conversations_user ON conversations(username, started_at) WHERE username IS NOT NULL;
                    CREATE TABLE conversation_signouts (
                        connector TEXT NOT NULL,
                        address   TEXT NOT NULL,
                        due_at    REAL NOT NULL,
                        PRIMARY KEY (connector, address)
                    ) WITHOUT ROWID;
                    CREATE INDEX conversation_signouts_due ON conversation_signouts(due_at);
                    """
            )
        }

        // What a modem's status reports are matched by (`SentReferenceStore`): one row per part
        // sent, keyed by (connector, reference, the recipient's last 7 digits) and the time of
        // the send; `outcome` stays NULL until a final report. One row per part of a delivery:
        // a retry replaces the rows of the send before it.
        migrator.registerMigration("v8-sent-parts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE sent_parts (
                        seq           INTEGER PRIMARY KEY,
                        connector     TEXT NOT NULL,
                        reference     INTEGER NOT NULL,
                        recipient     TEXT NOT NULL,
                        recipient_key TEXT NOT NULL,
                        sent_at       REAL NOT NULL,
                        delivery_id   TEXT NOT NULL,
                        part          INTEGER NOT NULL,
                        parts         INTEGER NOT NULL,
                        outcome       TEXT,
                        UNIQUE (delivery_id, part)
                    );
                    CREATE INDEX sent_parts_match ON sent_parts(connector, reference, recipient_key, sent_at);
                    CREATE INDEX sent_parts_sent ON sent_parts(connector, sent_at);
                    """
            )
        }

        // The transcript leaves the conversation row: one row per message, appended by its turn
        // (a turn used to read and write the whole transcript as JSON). Existing transcripts
        // move over; each message from the party takes the step that ran on it (the k-th such
        // message the k-th step, as `/replay` paired them).
        migrator.registerMigration("v9-conversation-messages") { db in
            try db.execute(
                sql: """
                    CREATE TABLE conversation_messages (
                        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                        seq             INTEGER NOT NULL,
                        direction       TEXT NOT NULL,
                        text            TEXT NOT NULL,
                        message_id      TEXT,
                        step            TEXT,
                        at              REAL NOT NULL,
                        PRIMARY KEY (conversation_id, seq)
                    ) WITHOUT ROWID;
                    CREATE INDEX conversation_messages_inbound ON conversation_messages(message_id)
                        WHERE direction = 'inbound' AND message_id IS NOT NULL;
                    INSERT INTO conversation_messages (conversation_id, seq, direction, text, message_id, step, at)
                    SELECT id, n, direction, text, message_id,
                           CASE WHEN direction = 'inbound' THEN json_extract(steps, '$[' || (answered - 1) || ']') END,
                           at
                    FROM (
                        SELECT c.id, c.steps, t.key + 1 AS n,
                               json_extract(t.value, '$.direction') AS direction,
                               json_extract(t.value, '$.text') AS text,
                               json_extract(t.value, '$.messageID') AS message_id,
                               json_extract(t.value, '$.at') AS at,
                               SUM(json_extract(t.value, '$.direction') = 'inbound') OVER (PARTITION BY c.id ORDER BY t.key) AS answered
                        FROM conversations c, json_each(c.transcript) t
                    );
                    ALTER TABLE conversations ADD COLUMN step_count INTEGER NOT NULL DEFAULT 0;
                    UPDATE conversations SET step_count = json_array_length(steps);
                    ALTER TABLE conversations DROP COLUMN transcript;
                    ALTER TABLE conversations DROP COLUMN steps;
                    """
            )
        }

        // Token scopes, written as `inbox:read account` (space-separated). A token from before
        // this migration keeps NULL: it may do everything its user may, as it always could.
        migrator.registerMigration("v10-token-scopes") { db in
            try db.execute(sql: "ALTER TABLE api_tokens ADD COLUMN scopes TEXT")
        }

        // A viewer's read flags by viewer: the unread count subtracts them from the item counts,
        // and the list of what one has read starts from them, instead of a look-up per item.
        migrator.registerMigration("v11-inbox-reads-by-user") { db in
            try db.execute(sql: "CREATE INDEX inbox_reads_user ON inbox_reads(username, item_id)")
        }

        // The topic store's own bookkeeping (`SQLiteTopicStore`): each topic table's revision,
        // each column's declared type, and alerts recorded with their rows until the outbox has
        // them. They were made by `prepareTopics` before this migration, hence IF NOT EXISTS: a
        // database that has them keeps them and their rows. The per-topic tables themselves
        // follow the configuration and stay with `prepareTopics`.
        migrator.registerMigration("v12-topic-tables") { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS switchboard_topic_state (tbl TEXT PRIMARY KEY NOT NULL, revision INTEGER NOT NULL DEFAULT 0);
                    CREATE TABLE IF NOT EXISTS switchboard_topic_columns (
                        tbl TEXT NOT NULL, col TEXT NOT NULL, type TEXT NOT NULL, PRIMARY KEY (tbl, col)) WITHOUT ROWID;
                    CREATE TABLE IF NOT EXISTS switchboard_topic_alerts (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, change TEXT NOT NULL, principal TEXT,
                        created_at TEXT NOT NULL);
                    """
            )
        }

        // One user's tokens in the listing's order, so a page of them is a range of this
        // index; it starts with the user, so it serves what `api_tokens_username` did.
        migrator.registerMigration("v13-token-pages") { db in
            try db.execute(sql: "CREATE INDEX api_tokens_user_created ON api_tokens(username, created_at, id); DROP INDEX api_tokens_username")
        }

        return migrator
    }
}
