// The accounts tables (the SQLite store's `v1-directory`). Versions 10 and up are the
// accounts, inbox, forms, conversations and topics migrations, so they never take a number
// the dispatch tables' migrations (2–9) might use.
extension PostgresMigrations {
    /// Users with their sessions and API tokens (kept as hashes), contacts with their ordered
    /// addresses (a table of their own, so the contacts of an address are an index look-up),
    /// groups and their members. A user's sessions and tokens go with the user; a contact linked
    /// to a deleted user stays, unlinked. `"groups"` is quoted: GROUPS is an SQL keyword.
    static let directory = PostgresMigration(
        version: 10,
        name: "directory",
        statements: [
            """
            CREATE TABLE users (
                username      TEXT PRIMARY KEY,
                display_name  TEXT,
                role          TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                created_at    TIMESTAMPTZ NOT NULL
            )
            """,
            """
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY,
                username   TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE ON UPDATE CASCADE,
                expires_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX sessions_username ON sessions (username)",
            """
            CREATE TABLE api_tokens (
                id         TEXT PRIMARY KEY,
                username   TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE ON UPDATE CASCADE,
                name       TEXT NOT NULL,
                token_hash TEXT NOT NULL UNIQUE,
                created_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX api_tokens_username ON api_tokens (username)",
            """
            CREATE TABLE contacts (
                id         TEXT PRIMARY KEY,
                name       TEXT NOT NULL,
                username   TEXT REFERENCES users (username) ON DELETE SET NULL ON UPDATE CASCADE,
                created_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX contacts_username ON contacts (username)",
            "CREATE INDEX contacts_name ON contacts (name COLLATE \"C\", id)",
            """
            CREATE TABLE contact_addresses (
                contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
                position   INTEGER NOT NULL,
                address    TEXT NOT NULL,
                PRIMARY KEY (contact_id, position)
            )
            """,
            "CREATE INDEX contact_addresses_address ON contact_addresses (address)",
            """
            CREATE TABLE "groups" (
                name        TEXT PRIMARY KEY,
                description TEXT,
                created_at  TIMESTAMPTZ NOT NULL
            )
            """,
            """
            CREATE TABLE group_members (
                group_name TEXT NOT NULL REFERENCES "groups" (name) ON DELETE CASCADE ON UPDATE CASCADE,
                contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
                PRIMARY KEY (group_name, contact_id)
            )
            """,
            "CREATE INDEX group_members_contact ON group_members (contact_id)",
        ]
    )
}

// Token scopes (the SQLite store's v10-token-scopes).
extension PostgresMigrations {
    /// Scopes written as `inbox:read account` (space-separated). A token from before this
    /// migration keeps NULL: it may do everything its user may, as it always could.
    static let tokenScopes = PostgresMigration(
        version: 16,
        name: "token-scopes",
        statements: ["ALTER TABLE api_tokens ADD COLUMN scopes TEXT"]
    )
}
