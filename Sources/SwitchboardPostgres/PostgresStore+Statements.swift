import PostgresNIO

extension PostgresStore {
    /// Runs one statement for its effect outside an explicit transaction (it commits by
    /// itself); returns how many rows it changed.
    @discardableResult
    func changes(_ query: PostgresQuery) async throws -> Int {
        try await client.withConnection { connection in try await connection.execute(query, logger: logger) }
    }
}
