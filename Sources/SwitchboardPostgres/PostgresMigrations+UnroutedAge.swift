extension PostgresMigrations {
    /// When each unrouted mark was made, by the database's clock: re-routing takes only marks
    /// older than a live node's routing takes (`UnroutedInboundAge`). Marks already there get
    /// the migration's time, so they are taken one age later.
    static let unroutedMarkedAt = PostgresMigration(
        version: 50,
        name: "unrouted-marked-at",
        statements: ["ALTER TABLE inbound_unrouted ADD COLUMN marked_at TIMESTAMPTZ NOT NULL DEFAULT now()"]
    )
}
