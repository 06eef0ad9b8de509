extension PostgresMigrations {
    /// One row per connector with a `throughput`: the end of the last send slot any node
    /// reserved (`SharedSendSlots`), by the database's clock. Versions 30–39 are this part's.
    static let sendSlots = PostgresMigration(
        version: 30,
        name: "connector-send-slots",
        statements: [
            """
            CREATE TABLE connector_send_slots (
                connector TEXT PRIMARY KEY,
                next_slot TIMESTAMPTZ NOT NULL
            )
            """
        ]
    )
}
