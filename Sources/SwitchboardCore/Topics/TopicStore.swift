import Foundation

/// Where topic rows live. Every write is one committed transaction that also advances the
/// topic's revision, so a history read can say exactly which writes it already contains.
public protocol TopicStore: Sendable {
    /// Creates or extends every topic's table; throws a `ConfigurationError` naming the
    /// topic and column when a change of column type would lose data.
    func prepareTopics(_ topics: [TopicDefinition]) async throws

    /// Inserts a row (with its `id`); `conflict` if the id exists.
    func insert(_ row: TopicRow, into topic: TopicDefinition) async throws -> TopicChange

    /// Inserts rows in order in one transaction, each refused or kept on its own, so a
    /// publisher that does not wait for acks pays one commit per batch, not per row.
    func insert(_ rows: [TopicRow], into topic: TopicDefinition) async throws -> [Result<TopicChange, any Error>]

    /// Sets `values` on the row `id`. With `onlyAuthor` (nil for an admin), only a row whose `user` is `onlyAuthor` may
    /// change (`forbidden` otherwise); `notFound` when there is no such row.
    func update(id: String, values: [String: TopicValue], onlyAuthor: String?, in topic: TopicDefinition) async throws -> TopicChange

    /// Deletes the row `id`, with the same author rule as `update`; returns the row as it was.
    func delete(id: String, onlyAuthor: String?, in topic: TopicDefinition) async throws -> TopicChange

    /// Rows passing every filter, oldest first: the newest `limit` of them, or with `since`
    /// the first `limit` after it; and the revision that snapshot reflects.
    func history(of topic: TopicDefinition, query: TopicQuery, limit: Int) async throws -> TopicHistory
}

/// A snapshot of a topic: rows and the revision of the last write they include.
public struct TopicHistory: Sendable, Equatable {
    public var rows: [TopicRow]
    public var revision: Int64
    public init(rows: [TopicRow], revision: Int64) { self.rows = rows; self.revision = revision }
}
