extension PostgresMigrations {
    /// One row per named lease (`ClusterLeases`): who holds it and until when, by the
    /// database's clock. Version 20 leaves room below for the store protocols' tables.
    static let clusterLeases = PostgresMigration(
        version: 20,
        name: "cluster-leases",
        statements: [
            """
            CREATE TABLE cluster_leases (
                name        TEXT PRIMARY KEY,
                holder      TEXT NOT NULL,
                expires_at  TIMESTAMPTZ NOT NULL,
                acquired_at TIMESTAMPTZ NOT NULL
            )
            """
        ]
    )
}
