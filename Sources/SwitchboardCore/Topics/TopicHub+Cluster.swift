import Foundation
import Logging

// Topics written by several nodes (a store that keeps a `TopicChangeLog`): every node hands
// every change to its own subscribers once, in revision order, whichever node wrote it.
// A change written here is published at once when it is the next revision (`TopicRelay`);
// a notice of another node's commit (or a poll while notices are lost) makes this node read
// the changes above the last revision it handed on and publish them, with `modify` applied
// as their writer's node applied it. Subscribing is unchanged: a subscriber registers, reads
// its history with its revision and keeps only what is newer, so history-then-live holds.
extension TopicHub {
    /// Changes read from the store per round of a catch-up.
    static let catchUpBatch = 1_000

    /// Reads every topic's revision at start: what is already there is history, not news.
    func startRelays() async throws {
        guard let changeLog else { return }
        let revisions = try await changeLog.topicRevisions()
        relays.withLock { relays in
            for topic in topics { relays[topic.name, default: TopicRelay()].start(at: revisions[topic.table] ?? 0) }
        }
    }

    /// Publishes a change committed here, in revision order with other nodes' changes.
    func relay(committedHere change: TopicChange, topic: TopicDefinition) {
        let hasSubscribers = subscriberCount(topic.name) > 0
        relays.withLock { relays in
            // Published under the lock, so two callers cannot publish out of order.
            for next in relays[topic.name, default: TopicRelay()].committedHere(change, hasSubscribers: hasSubscribers) {
                publish(next, topic: topic)
            }
        }
    }

    /// What the shared store heard: another node's commit, or a call to catch up.
    package func handle(_ notice: ClusterNotices.Notice) async {
        guard let changeLog else { return }
        switch notice {
        case .topic(let table, let revision):
            guard let topic = topics.first(where: { $0.table == table }) else { return }
            await catchUp(topic, to: revision)
        case .resync:
            guard isPrepared else { return }
            let revisions: [String: Int64]
            do {
                revisions = try await changeLog.topicRevisions()
            } catch {
                logger.warning("topics: could not read the topics' revisions to catch up; trying again later", metadata: ["error": "\(error)"])
                return
            }
            for topic in topics {
                if let revision = revisions[topic.table] { await catchUp(topic, to: revision) }
            }
        case .inboxItem:
            break
        }
    }

    /// Reads and publishes the changes above what was handed on, up to `revision` at least.
    func catchUp(_ topic: TopicDefinition, to revision: Int64) async {
        guard let changeLog else { return }
        var target = revision
        while true {
            let hasSubscribers = subscriberCount(topic.name) > 0
            guard let after = relays.withLock({ $0[topic.name]?.noticed(target, hasSubscribers: hasSubscribers) }) else { return }
            let batch: TopicChangeBatch
            do {
                batch = try await changeLog.changes(of: topic, after: after, limit: Self.catchUpBatch)
            } catch {
                // The next notice or poll tries again from the same revision.
                logger.warning("topics: could not read other nodes' changes", metadata: ["topic": "\(topic.name)", "error": "\(error)"])
                return
            }
            let full = batch.entries.count >= Self.catchUpBatch
            let through = full ? batch.entries[batch.entries.count - 1].change.revision : batch.revision
            let firstLogged = batch.entries.first?.change.revision ?? batch.revision + 1
            if batch.revision > after && firstLogged > after + 1 {
                // The log no longer holds what this node missed (it was away longer than the
                // log is kept): its subscribers cannot be given a gap-free feed; they reconnect
                // with `_since` and get it from the rows.
                dropSubscribers(of: topic, missing: after + 1..<min(firstLogged, batch.revision + 1))
            }
            var changes: [TopicChange] = []
            changes.reserveCapacity(batch.entries.count)
            let now = Date()
            for entry in batch.entries { changes.append(await modified(entry.change, topic, entry.author, now)) }
            relays.withLock { relays in
                for next in relays[topic.name, default: TopicRelay()].read(changes, through: through) { publish(next, topic: topic) }
            }
            guard full else { return }
            target = max(target, batch.revision)
        }
    }

    /// Ends every subscription of `topic` as fallen behind (too_slow, 1008).
    func dropSubscribers(of topic: TopicDefinition, missing: Range<Int64>) {
        let subs = subscriptions(of: topic)
        logger.warning(
            "topics: changes of other nodes are no longer in the change log; dropping this node's subscribers so they reconnect",
            metadata: ["topic": "\(topic.name)", "missing": "\(missing)", "subscribers": "\(subs.count)"]
        )
        for s in subs { s.fallBehind() }
    }

    // MARK: - Writes that record their author where other nodes read them

    func storeInsert(
        _ rows: [TopicRow],
        _ topic: TopicDefinition,
        _ alert: TopicAlertRequest?,
        _ principal: TopicPrincipal?
    ) async throws -> [Result<TopicChange, any Error>] {
        if let changeLog { return try await changeLog.insert(rows, into: topic, alert: alert, author: principal) }
        return try await store.insert(rows, into: topic, alert: alert)
    }

    func storeUpdate(
        _ id: String,
        _ values: [String: TopicValue],
        _ onlyAuthor: String?,
        _ topic: TopicDefinition,
        _ alert: TopicAlertRequest?,
        _ principal: TopicPrincipal?
    ) async throws -> TopicChange {
        if let changeLog {
            return try await changeLog.update(id: id, values: values, onlyAuthor: onlyAuthor, in: topic, alert: alert, author: principal)
        }
        return try await store.update(id: id, values: values, onlyAuthor: onlyAuthor, in: topic, alert: alert)
    }

    func storeDelete(
        _ id: String,
        _ onlyAuthor: String?,
        _ topic: TopicDefinition,
        _ alert: TopicAlertRequest?,
        _ principal: TopicPrincipal?
    ) async throws -> TopicChange {
        if let changeLog { return try await changeLog.delete(id: id, onlyAuthor: onlyAuthor, in: topic, alert: alert, author: principal) }
        return try await store.delete(id: id, onlyAuthor: onlyAuthor, in: topic, alert: alert)
    }
}
