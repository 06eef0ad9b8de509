import Foundation

/// Where topic rows live. Every write is one committed transaction that also advances the
/// topic's revision, so a history read can say exactly which writes it already contains.
///
/// A write that should raise an alert records it in the same transaction
/// (`TopicAlertRequest`), so a crash between the commit and the outbox cannot lose it: the
/// alert stays pending until `clearAlert` after it is queued, and `pendingAlerts` finds
/// what a crash left behind.
package protocol TopicStore: Sendable {
    /// Creates or extends every topic's table; throws a `ConfigurationError` naming the
    /// topic and column when a change of column type would lose data.
    func prepareTopics(_ topics: [TopicDefinition]) async throws

    /// Inserts rows (each with its `id`) in order in one transaction, each refused
    /// (`duplicate_id`) or kept on its own, so a publisher that does not wait for acks pays
    /// one commit per batch, not per row. With `alert`, each kept row's alert is recorded
    /// with it and its change carries the `alertID`.
    func insert(_ rows: [TopicRow], into topic: TopicDefinition, alert: TopicAlertRequest?) async throws -> [Result<TopicChange, any Error>]

    /// Sets `values` on the row `id`. With `onlyAuthor` (nil for an admin), only a row whose `user` is `onlyAuthor` may
    /// change (`forbidden` otherwise); `notFound` when there is no such row.
    func update(
        id: String,
        values: [String: TopicValue],
        onlyAuthor: String?,
        in topic: TopicDefinition,
        alert: TopicAlertRequest?
    ) async throws -> TopicChange

    /// Deletes the row `id`, with the same author rule as `update`; returns the row as it was.
    func delete(id: String, onlyAuthor: String?, in topic: TopicDefinition, alert: TopicAlertRequest?) async throws -> TopicChange

    /// Rows passing every filter, oldest first: the newest `limit` of them, or with `since`
    /// the first `limit` after it; and the revision that snapshot reflects.
    func history(of topic: TopicDefinition, query: TopicQuery, limit: Int) async throws -> TopicHistory

    /// Alerts recorded with their writes and not yet cleared, oldest first, with an id above `after`.
    func pendingAlerts(after: Int64, limit: Int) async throws -> [TopicPendingAlert]

    /// Forgets a pending alert once it is in the outbox (or can never be sent).
    func clearAlert(_ id: Int64) async throws
}

extension TopicStore {
    /// Inserts one row without an alert; `duplicate_id` if the id exists.
    package func insert(_ row: TopicRow, into topic: TopicDefinition) async throws -> TopicChange {
        try await insert([row], into: topic, alert: nil)[0].get()
    }

    package func insert(_ rows: [TopicRow], into topic: TopicDefinition) async throws -> [Result<TopicChange, any Error>] {
        try await insert(rows, into: topic, alert: nil)
    }

    package func update(id: String, values: [String: TopicValue], onlyAuthor: String?, in topic: TopicDefinition) async throws -> TopicChange {
        try await update(id: id, values: values, onlyAuthor: onlyAuthor, in: topic, alert: nil)
    }

    package func delete(id: String, onlyAuthor: String?, in topic: TopicDefinition) async throws -> TopicChange {
        try await delete(id: id, onlyAuthor: onlyAuthor, in: topic, alert: nil)
    }
}

/// A snapshot of a topic: rows and the revision of the last write they include.
package struct TopicHistory: Sendable, Equatable {
    package var rows: [TopicRow]
    package var revision: Int64
    package init(rows: [TopicRow], revision: Int64) {
        self.rows = rows
        self.revision = revision
    }
}

/// Asks a write to record its alert in its own transaction; `principal` is who wrote, so
/// an alert recovered after a crash is rendered and sent as the same sender.
package struct TopicAlertRequest: Sendable, Equatable {
    package var principal: TopicPrincipal?
    package init(principal: TopicPrincipal?) { self.principal = principal }
}

/// An alert committed with its row but not yet known to be in the outbox.
package struct TopicPendingAlert: Sendable, Equatable {
    package var id: Int64
    package var topic: String
    /// The change as committed (before `modify`), with `alertID` set to `id`.
    package var change: TopicChange
    package var principal: TopicPrincipal?
    package init(id: Int64, topic: String, change: TopicChange, principal: TopicPrincipal?) {
        self.id = id
        self.topic = topic
        self.change = change
        self.principal = principal
    }
}
