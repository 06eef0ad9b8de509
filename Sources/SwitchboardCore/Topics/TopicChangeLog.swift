import Foundation

/// A topic store shared between nodes keeps every committed change in revision order, so a
/// node can hand its subscribers what other nodes wrote: the changes above the last revision
/// it handed on, exactly as the writer's node broadcast them (same method, row, previous row,
/// and writer for `modify`).
///
/// Revisions are gap-free per topic and commit in order (every write locks the topic's
/// revision until it commits), so "every change above R up to the revision read" is complete.
/// A store one node by design (SQLite, memory) does not conform: its hub broadcasts directly.
package protocol TopicChangeLog: TopicStore {
    /// Each topic table's current revision, by table name (tables not prepared yet are absent).
    func topicRevisions() async throws -> [String: Int64]

    /// The changes of `topic` with a revision above `after`, oldest first, at most `limit`,
    /// read in one snapshot with the topic's revision then.
    func changes(of topic: TopicDefinition, after: Int64, limit: Int) async throws -> TopicChangeBatch

    /// Like `insert(_:into:alert:)`, recording who wrote (for `modify` on other nodes).
    func insert(
        _ rows: [TopicRow],
        into topic: TopicDefinition,
        alert: TopicAlertRequest?,
        author: TopicPrincipal?
    ) async throws -> [Result<TopicChange, any Error>]

    /// Like `update(id:values:onlyAuthor:in:alert:)`, recording who wrote.
    func update(
        id: String,
        values: [String: TopicValue],
        onlyAuthor: String?,
        in topic: TopicDefinition,
        alert: TopicAlertRequest?,
        author: TopicPrincipal?
    ) async throws -> TopicChange

    /// Like `delete(id:onlyAuthor:in:alert:)`, recording who wrote.
    func delete(
        id: String,
        onlyAuthor: String?,
        in topic: TopicDefinition,
        alert: TopicAlertRequest?,
        author: TopicPrincipal?
    ) async throws -> TopicChange
}

/// Changes read from a `TopicChangeLog`.
package struct TopicChangeBatch: Sendable, Equatable {
    /// One committed change and who made it.
    package struct Entry: Sendable, Equatable {
        package var change: TopicChange
        package var author: TopicPrincipal?
        package init(change: TopicChange, author: TopicPrincipal?) {
            self.change = change
            self.author = author
        }
    }

    package var entries: [Entry]
    /// The topic's revision in the snapshot the entries were read from.
    package var revision: Int64
    package init(entries: [Entry], revision: Int64) {
        self.entries = entries
        self.revision = revision
    }
}
