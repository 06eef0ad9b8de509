import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SwitchboardCore

/// Hands this node what other nodes committed for people watching live: topic changes and
/// inbox items, as `ClusterNotices`.
///
/// Writes notify one channel at commit with ids and numbers only (payloads are at most
/// 8,000 bytes, and message data never travels this way): `t REVISION TABLE` for a topic,
/// `i STORE ID` for an inbox item. This listener holds a connection of its own, apart from the
/// doorbell's: the doorbell only rings, while this one must also make every listener catch up
/// after a loss, and the two fail and come back independently (one more connection per node).
/// Listening (re)started delivers `.resync` (what was missed while deaf is read back); while
/// the connection is lost, `.resync(resumed: false)` is delivered every `pollInterval` (polling
/// as the fallback) and the connection is opened again with the store's back-off (the
/// doorbell's loop, `PostgresListenLoop`). Notices are delivered one at a time, in the order
/// they came. It also prunes the topic change log.
package struct PostgresFanOutListener: Service {
    /// What the listener went through, for logs and tests (as the doorbell's).
    package typealias Event = PostgresListenEvent

    let store: PostgresStore
    let notices: ClusterNotices
    let retry: RetryPolicy
    let pollInterval: Duration
    /// How long topic changes are kept for a node that was away, and how often that is enforced.
    /// A node that cannot read them falls behind only while it cannot reach the database at
    /// all (it polls every second otherwise), so minutes are plenty; a busy topic's log stays
    /// at ten minutes of its writes.
    let retention: TimeInterval
    let pruneInterval: Duration
    let onEvent: @Sendable (Event) -> Void

    package init(
        store: PostgresStore,
        notices: ClusterNotices,
        retry: RetryPolicy = PostgresStore.reconnect,
        pollInterval: Duration = .seconds(1),
        retention: TimeInterval = 600,
        pruneInterval: Duration = .seconds(60),
        onEvent: (@Sendable (Event) -> Void)? = nil
    ) {
        self.store = store
        self.notices = notices
        self.retry = retry
        self.pollInterval = pollInterval
        self.retention = retention
        self.pruneInterval = pruneInterval
        let logger = store.logger
        self.onEvent =
            onEvent ?? { event in
                switch event {
                case .listening: logger.debug("listening for topic changes and inbox items of every node")
                case .lost(let reason):
                    logger.warning(
                        "lost the connection listening for other nodes' topic changes and inbox items; polling until it is back",
                        metadata: ["reason": "\(reason)"]
                    )
                }
            }
    }

    /// The connection's `application_name`, so an operator sees it in `pg_stat_activity`
    /// (with the schema of a test store and this store's mark, one per node).
    package var applicationName: String {
        "switchboard-fanout" + (store.configuration.schema.map { "-\($0)" } ?? "") + "-\(store.instance)"
    }

    package func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await prune() }
                group.addTask { try await listen() }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    private func listen() async throws {
        let loop = PostgresListenLoop(
            store: store,
            channel: store.fanOutChannel,
            applicationName: applicationName,
            retry: retry,
            onEvent: onEvent
        )
        var listenedBefore = false
        try await loop.run(
            listening: {
                await notices.deliver(.resync(resumed: listenedBefore))
                listenedBefore = true
            },
            notified: { notification in
                if let notice = Self.notice(notification.payload, ownStore: store.instance) { await notices.deliver(notice) }
            },
            deaf: { wait in
                // Deaf meanwhile: poll, so other nodes' writes still arrive, only later.
                var waited = Duration.zero
                repeat {
                    await notices.deliver(.resync(resumed: false))
                    let step = min(pollInterval, wait - waited)
                    try await Task.sleep(for: step)
                    waited += step
                } while waited < wait
            }
        )
    }

    private func prune() async throws {
        while !Task.isCancelled {
            do {
                try await store.pruneTopicChanges(olderThan: retention)
            } catch {
                store.logger.debug("could not prune the topic change log; trying again later", metadata: ["reason": "\(store.reason(error))"])
            }
            try await Task.sleep(for: pruneInterval)
        }
    }

    // MARK: - Payloads

    static func topicPayload(table: String, revision: Int64) -> String { "t \(revision) \(table)" }
    static func inboxPayload(store: String, item: Int64) -> String { "i \(store) \(item)" }

    /// The notice a payload stands for; nil for one this listener does not know, or an inbox
    /// item of its own store (the router published it here already).
    static func notice(_ payload: String, ownStore: String) -> ClusterNotices.Notice? {
        let parts = payload.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        switch parts[0] {
        case "t":
            guard let revision = Int64(parts[1]) else { return nil }
            return .topic(table: String(parts[2]), revision: revision)
        case "i":
            guard parts[1] != ownStore, let id = Int64(parts[2]) else { return nil }
            return .inboxItem(id: id)
        default: return nil
        }
    }
}

extension PostgresStore {
    /// The channel of topic and inbox notices; a store on its own schema (tests) has its own,
    /// since notices are per database.
    package var fanOutChannel: String { "switchboard_fanout" + (configuration.schema.map { "_\($0)" } ?? "") }
}
