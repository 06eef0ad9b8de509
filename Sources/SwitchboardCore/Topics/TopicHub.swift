import Foundation
import Logging
import Metrics
import Synchronization

/// The topics' broadcaster and write pipeline, free of HTTP so it is tested without sockets.
///
/// A write runs defaults → `prepare` (rules, then hook) → one committed transaction →
/// `modify` (rules, then hook) → broadcast: nobody hears of a row that is not on disk.
/// Each write advances the topic's revision inside its transaction; a new subscriber is
/// registered before its history is read, buffers what is broadcast meanwhile, and then
/// keeps only writes newer than the revision its history reflects: no gap, no duplicate.
package final class TopicHub: Sendable {
    package let topics: [TopicDefinition]
    let store: any TopicStore
    let hooks: [String: any TopicHook]
    let logger: Logger
    private let subscribers = Mutex<[String: [ObjectIdentifier: TopicSubscription]]>([:])
    private let prepared = Mutex(false)
    private let metrics: [String: TopicMetrics]
    /// The store's change log when other nodes write the same topics (see `TopicHub+Cluster`).
    let changeLog: (any TopicChangeLog)?
    /// Per topic, the order in which changes are handed on when several nodes write.
    let relays = Mutex<[String: TopicRelay]>([:])

    /// - Parameters:
    ///   - hooks: code hooks by topic name, run after that topic's declarative rules.
    ///   - notices: what the shared store hears of other nodes' writes; with a store that keeps a
    ///     change log, this hub hands those writes to its subscribers too.
    package init(
        topics: [TopicDefinition],
        store: any TopicStore,
        hooks: [String: any TopicHook] = [:],
        notices: ClusterNotices? = nil,
        logger: Logger = Logger(label: "switchboard.topics")
    ) {
        self.topics = topics
        self.store = store
        self.hooks = hooks
        self.logger = logger
        metrics = Dictionary(topics.map { ($0.name, TopicMetrics(topic: $0.name)) }, uniquingKeysWith: { a, _ in a })
        changeLog = store as? any TopicChangeLog
        if changeLog != nil { notices?.add { [weak self] notice in await self?.handle(notice) } }
    }

    package func topic(named name: String) -> TopicDefinition? { topics.first { $0.name == name } }
    package func topic(path: String) -> TopicDefinition? { topics.first { $0.path == path } }

    /// Creates or extends the tables (idempotent). Call at start-up to fail fast on a lossy
    /// column change; the first connection calls it too if nobody did.
    package func prepare() async throws {
        if prepared.withLock({ $0 }) { return }
        try await store.prepareTopics(topics)
        try await startRelays()
        prepared.withLock { $0 = true }
    }

    /// Number of open subscriptions on a topic (for tests and metrics).
    package func subscriberCount(_ topic: String) -> Int { subscribers.withLock { $0[topic]?.count ?? 0 } }

    /// The open subscriptions of a topic.
    func subscriptions(of topic: TopicDefinition) -> [TopicSubscription] {
        subscribers.withLock { $0[topic.name].map { Array($0.values) } ?? [] }
    }

    var isPrepared: Bool { prepared.withLock { $0 } }

    // MARK: - Subscribing

    /// Opens a subscription: checks the read rule, adds the `open` rule's and the hook's
    /// filters, then queues history, a `ready` frame and every later matching write.
    package func subscribe(_ topic: TopicDefinition, principal: TopicPrincipal?, query: TopicQuery) async throws -> TopicSubscription {
        try await prepare()
        guard topic.read.allows(principal) else {
            throw principal == nil
                ? TopicError(.unauthorized, "unauthorized", "topic '\(topic.name)' needs a login: send the session cookie or a bearer token")
                : TopicError.forbidden("you may not read topic '\(topic.name)'")
        }
        var query = query
        for forced in topic.open {
            let value = forced.source.value(message: TopicRow(), principal: principal, now: Date())
            let typed = topic.column(forced.column).flatMap { col in value.text.flatMap { TopicValue.parse($0, as: col.type) } } ?? .null
            query.filters.append(TopicFilter(column: forced.column, op: forced.op, values: [typed]))
        }
        try await hooks[topic.name]?.open(topic: topic, principal: principal, query: &query)
        let subscription = TopicSubscription(topic: topic, filters: query.filters, user: principal?.id) { [weak self] s in self?.remove(s) }
        let count = subscribers.withLock { s -> Int in
            s[topic.name, default: [:]][ObjectIdentifier(subscription)] = subscription
            return s[topic.name]?.count ?? 0
        }
        metrics[topic.name]?.subscribers.record(count)
        do {
            let history = try await store.history(of: topic, query: query, limit: query.limit ?? topic.historyLimit)
            subscription.goLive(
                history: history.rows.map { TopicJSON.message($0, method: .post, topic: topic, history: true) },
                revision: history.revision
            )
        } catch {
            subscription.cancel()
            throw error
        }
        return subscription
    }

    func remove(_ s: TopicSubscription) {
        let count = subscribers.withLock { all -> Int in
            all[s.topic.name]?.removeValue(forKey: ObjectIdentifier(s))
            return all[s.topic.name]?.count ?? 0
        }
        metrics[s.topic.name]?.subscribers.record(count)
        guard s.endReason == .tooSlow else { return }
        metrics[s.topic.name]?.tooSlow.increment()
        // An operator must be able to tell why a client lost its feed (and whether the
        // topic's max_queued_frames suits its traffic) without a metrics system at hand.
        logger.warning(
            "topic subscriber dropped as too slow",
            metadata: [
                "topic": "\(s.topic.name)", "user": "\(s.user ?? "(anonymous)")",
                "queued_frames": "\(s.droppedQueueSize)", "max_queued_frames": "\(s.limit)",
            ]
        )
    }

    // MARK: - Writing

    /// A write that passed its checks and awaits its commit.
    enum Prepared: Sendable {
        case insert(TopicRow)
        case update(id: String, values: [String: TopicValue], author: String?)
        case delete(id: String, author: String?)

        var method: TopicMethod {
            switch self {
            case .insert: .post
            case .update: .put
            case .delete: .delete
            }
        }
    }

    /// Checks, commits and broadcasts one write; returns the change as broadcast (after `modify`).
    package func write(_ frame: TopicFrame, to topic: TopicDefinition, principal: TopicPrincipal?) async throws -> TopicChange {
        try await write([frame], to: topic, principal: principal)[0].get()
    }

    /// Writes several frames of one client in order. Consecutive POSTs share one
    /// transaction (each row refused or kept on its own); every result is in frame order
    /// and every row is broadcast in commit order. A write the topic alerts on records its
    /// alert in its own transaction (the change's `alertID`), unless the frame says `_alert: false`.
    package func write(_ frames: [TopicFrame], to topic: TopicDefinition, principal: TopicPrincipal?) async -> [Result<TopicChange, any Error>] {
        do { try await prepare() } catch { return frames.map { _ in .failure(error) } }
        var results: [Result<TopicChange, any Error>?] = Array(repeating: nil, count: frames.count)
        var pending: [(index: Int, row: TopicRow)] = []
        var pendingAlert: TopicAlertRequest?
        let now = Date()
        func flush() async {
            guard !pending.isEmpty else { return }
            let batch = pending
            pending = []
            do {
                let outcomes = try await storeInsert(batch.map(\.row), topic, pendingAlert, principal)
                for (item, outcome) in zip(batch, outcomes) {
                    switch outcome {
                    case .success(let change): results[item.index] = .success(await finish(change, topic, principal, now))
                    case .failure(let error): results[item.index] = .failure(error)
                    }
                }
            } catch {
                for item in batch { results[item.index] = .failure(error) }
            }
        }
        for (i, frame) in frames.enumerated() {
            do {
                let prepared = try await check(frame, topic, principal, now)
                let alert = Self.alerts(on: frame, prepared.method, topic) ? TopicAlertRequest(principal: principal) : nil
                switch prepared {
                case .insert(let row):
                    if !pending.isEmpty && (alert == nil) != (pendingAlert == nil) { await flush() }
                    pendingAlert = alert
                    pending.append((i, row))
                case .update(let id, let values, let author):
                    await flush()
                    let change = try await storeUpdate(id, values, author, topic, alert, principal)
                    results[i] = .success(await finish(change, topic, principal, now))
                case .delete(let id, let author):
                    await flush()
                    results[i] = .success(
                        await finish(try await storeDelete(id, author, topic, alert, principal), topic, principal, now)
                    )
                }
            } catch {
                results[i] = .failure(error)
            }
        }
        await flush()
        return results.map { $0! }
    }

    /// Whether a write of `method` records an alert: the topic alerts on that method and the
    /// frame did not opt out.
    static func alerts(on frame: TopicFrame, _ method: TopicMethod, _ topic: TopicDefinition) -> Bool {
        frame.alert && topic.alert?.methods.contains(method) == true
    }

    // MARK: - Alerts left pending

    /// Alerts committed with their rows but not yet cleared (a crash came between the commit
    /// and the outbox), each with `modify` applied as when it was broadcast.
    package func pendingAlerts(
        after: Int64 = 0,
        limit: Int = 100
    ) async throws -> [(topic: TopicDefinition, change: TopicChange, principal: TopicPrincipal?)] {
        try await prepare()
        var out: [(topic: TopicDefinition, change: TopicChange, principal: TopicPrincipal?)] = []
        for pending in try await store.pendingAlerts(after: after, limit: limit) {
            guard let topic = self.topic(named: pending.topic) else {
                logger.warning(
                    "pending alert of a topic no longer configured; dropped",
                    metadata: ["topic": "\(pending.topic)", "id": "\(pending.change.row.id)"]
                )
                try await store.clearAlert(pending.id)
                continue
            }
            var change = pending.change
            change.alertID = pending.id
            out.append((topic, await modified(change, topic, pending.principal, Date()), pending.principal))
        }
        return out
    }

    /// Forgets a pending alert once it is in the outbox.
    package func clearAlert(_ id: Int64) async throws { try await store.clearAlert(id) }

    /// Access, field types, defaults and `prepare` (rules, then hook): everything before the commit.
    func check(_ frame: TopicFrame, _ topic: TopicDefinition, _ principal: TopicPrincipal?, _ now: Date) async throws -> Prepared {
        guard topic.write.allows(principal) else {
            throw principal == nil
                ? TopicError(.unauthorized, "unauthorized", "writing to topic '\(topic.name)' needs a login")
                : TopicError.forbidden("you may not write to topic '\(topic.name)'")
        }
        var message = TopicRow()
        for (key, value) in frame.fields {
            if key == "id" && frame.method != .post {
                message["id"] = value
                continue
            }
            guard let column = topic.columns.first(where: { $0.name == key }) else {
                if TopicDefinition.builtinColumns.contains(where: { $0.name == key }) {
                    throw TopicError.invalid("read_only_field", "'\(key)' is set by the server")
                }
                throw TopicError.invalid("unknown_field", "unknown field '\(key)'; columns are: \(topic.columns.map(\.name).joined(separator: ", "))")
            }
            message[key] = try value.coerced(to: column.type, field: key)
        }
        let present = Set(frame.fields.keys)
        let hook = hooks[topic.name]
        if frame.method == .post {
            message["id"] = .text(frame.rowID ?? TopicRow.makeID())
            message["user"] = principal.map { .text($0.id) } ?? .null
            message["timestamp"] = .text(TopicTime.format(now))
            try applyDefaults(.post, topic, &message, principal, now)
            try checkRules(topic, .post, message, present, principal)
            try await hook?.prepare(topic: topic, method: .post, message: &message, principal: principal)
            return .insert(message)
        }
        guard case .text(let id) = message["id"], !id.isEmpty else {
            throw TopicError.invalid("missing_id", "\(frame.method.rawValue) needs the 'id' of the message")
        }
        guard let principal else {
            throw TopicError(.unauthorized, "unauthorized", "only the author of a message or an admin may change it; log in")
        }
        let author = principal.isAdmin ? nil : principal.id
        if frame.method == .delete {
            if let extra = present.subtracting(["id"]).sorted().first {
                throw TopicError.invalid("unknown_field", "DELETE takes only 'id', not '\(extra)'")
            }
            try await hook?.prepare(topic: topic, method: .delete, message: &message, principal: principal)
            return .delete(id: id, author: author)
        }
        try applyDefaults(.put, topic, &message, principal, now)
        try checkRules(topic, .put, message, present, principal)
        try await hook?.prepare(topic: topic, method: .put, message: &message, principal: principal)
        var values = message.values
        values["id"] = nil
        guard !values.isEmpty else { throw TopicError.invalid("nothing_to_update", "PUT names no field to change") }
        return .update(id: id, values: values, author: author)
    }

    /// `modify` (rules, then hook) on the committed change, then the broadcast.
    func finish(_ committed: TopicChange, _ topic: TopicDefinition, _ principal: TopicPrincipal?, _ now: Date) async -> TopicChange {
        let change = await modified(committed, topic, principal, now)
        metrics[topic.name]?.writes[change.method]?.increment()
        if changeLog != nil {
            relay(committedHere: change, topic: topic)
        } else {
            publish(change, topic: topic)
        }
        return change
    }

    /// The committed change with `modify` applied: rules, then the hook.
    func modified(_ committed: TopicChange, _ topic: TopicDefinition, _ principal: TopicPrincipal?, _ now: Date) async -> TopicChange {
        var change = committed
        for (field, source) in topic.modify {
            change.row[field] = source.value(message: change.row, principal: principal, now: now)
        }
        let ruled = change
        do {
            try await hooks[topic.name]?.modify(topic: topic, change: &change, principal: principal)
        } catch {
            // The row is committed: a failing modify hook must not hide it from subscribers.
            logger.error("topic modify hook failed; broadcasting the row without it", metadata: ["topic": "\(topic.name)", "error": "\(error)"])
            change = ruled
        }
        return change
    }

    func applyDefaults(
        _ method: TopicMethod,
        _ topic: TopicDefinition,
        _ message: inout TopicRow,
        _ principal: TopicPrincipal?,
        _ now: Date
    ) throws(TopicError) {
        for (field, source) in topic.defaults[method] ?? [] {
            let value = source.value(message: message, principal: principal, now: now)
            guard let type = topic.column(field)?.type else {
                message[field] = value
                continue
            }
            message[field] = try value.coerced(to: type, field: field)
        }
    }

    func checkRules(
        _ topic: TopicDefinition,
        _ method: TopicMethod,
        _ message: TopicRow,
        _ present: Set<String>,
        _ principal: TopicPrincipal?
    ) throws(TopicError) {
        for rule in topic.prepare where rule.methods.contains(method) {
            try rule.check(message, present: present, principal: principal)
        }
    }

    /// Sends a committed change to every subscriber whose filters match the row (for PUT,
    /// the row before or after), encoding it once for all of them.
    func publish(_ change: TopicChange, topic: TopicDefinition) {
        let subs = subscribers.withLock { $0[topic.name].map { Array($0.values) } ?? [] }
        guard !subs.isEmpty else { return }
        let text = TopicJSON.message(change.row, method: change.method, topic: topic)
        for s in subs where s.wants(change) { s.offer(text, revision: change.revision) }
    }
}

/// A topic's metrics, made once: open subscriptions, committed writes by method, and
/// subscribers dropped for falling behind.
struct TopicMetrics: Sendable {
    let subscribers: Gauge
    let writes: [TopicMethod: Counter]
    let tooSlow: Counter

    init(topic: String) {
        subscribers = Gauge(label: "switchboard_topic_subscribers", dimensions: [("topic", topic)])
        writes = Dictionary(
            uniqueKeysWithValues: TopicMethod.allCases.map { method in
                (method, Counter(label: "switchboard_topic_writes_total", dimensions: [("topic", topic), ("method", method.rawValue)]))
            }
        )
        tooSlow = Counter(label: "switchboard_topic_subscribers_dropped_total", dimensions: [("topic", topic), ("reason", "too_slow")])
    }
}
