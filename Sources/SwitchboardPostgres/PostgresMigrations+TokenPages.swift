extension PostgresMigrations {
    /// One user's tokens in the listing's order (oldest first, then id in byte order), so a
    /// page of `/api/v1/tokens` reads its rows in order and stops at the limit. It starts with
    /// the user, so it serves what `api_tokens_username` did, which goes.
    static let tokenPages = PostgresMigration(
        version: 90,
        name: "token-pages",
        statements: [
            "CREATE INDEX api_tokens_user_created ON api_tokens (username, created_at, id COLLATE \"C\")",
            "DROP INDEX api_tokens_username",
        ]
    )
}
