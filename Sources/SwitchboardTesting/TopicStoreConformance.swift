import Foundation
import SwitchboardCore

/// What every `TopicStore` must do, so history over SQLite (and later PostgreSQL) means the
/// same as the live filters in `TopicHub`. Each check gets a fresh store.
package struct TopicStoreConformance: Sendable {
    let makeStore: @Sendable () async throws -> any TopicStore

    package init(makeStore: @escaping @Sendable () async throws -> any TopicStore) { self.makeStore = makeStore }

    package static let topic: TopicDefinition = {
        var t = TopicDefinition(
            name: "chat",
            columns: [
                TopicColumn(name: "body", type: .text), TopicColumn(name: "recipient", type: .text),
                TopicColumn(name: "count", type: .integer), TopicColumn(name: "urgent", type: .boolean),
            ]
        )
        t.historyLimit = 100
        return t
    }()

    package func runAll() async throws {
        try await roundTripKeepsTypes()
        try await revisionGrowsWithEveryWrite()
        try await historyFiltersMatchLiveFilters()
        try await historyIsNewestLimitOldestFirst()
        try await onlyTheAuthorMayChange()
        try await prepareIsIdempotent()
        try await alertsAreKeptWithTheirWrites()
    }

    func row(_ body: String, user: String? = "alice", recipient: String? = nil, count: Int64? = nil, urgent: Bool? = nil) -> TopicRow {
        var r = TopicRow([
            "id": .text(TopicRow.makeID()), "user": user.map(TopicValue.text) ?? .null,
            "timestamp": .text(TopicTime.format(Date())), "body": .text(body),
        ])
        r["recipient"] = recipient.map(TopicValue.text) ?? .null
        r["count"] = count.map(TopicValue.integer) ?? .null
        r["urgent"] = urgent.map(TopicValue.bool) ?? .null
        return r
    }

    func fresh() async throws -> any TopicStore {
        let store = try await makeStore()
        try await store.prepareTopics([Self.topic])
        return store
    }

    package func roundTripKeepsTypes() async throws {
        let store = try await fresh()
        let r = row("hi \"there\"", recipient: "bob", count: 3, urgent: true)
        _ = try await store.insert(r, into: Self.topic)
        let h = try await store.history(of: Self.topic, query: TopicQuery(), limit: 10)
        try expect(h.rows == [r], "a row reads back with the same values and types", "\(r)", "\(h.rows)")
    }

    package func revisionGrowsWithEveryWrite() async throws {
        let store = try await fresh()
        let a = try await store.insert(row("a"), into: Self.topic)
        let b = try await store.update(id: a.row.id, values: ["body": .text("b")], onlyAuthor: nil, in: Self.topic)
        let c = try await store.delete(id: a.row.id, onlyAuthor: nil, in: Self.topic)
        try expect(
            [a.revision, b.revision, c.revision] == [1, 2, 3],
            "each write advances the revision by one",
            "[1, 2, 3]",
            "\([a.revision, b.revision, c.revision])"
        )
        try expect(b.previous?["body"] == .text("a") && b.row["body"] == .text("b"), "PUT returns the row before and after", nil, "\(b)")
        let h = try await store.history(of: Self.topic, query: TopicQuery(), limit: 10)
        try expect(h.revision == 3 && h.rows.isEmpty, "history reports the revision it reflects", "3, no rows", "\(h.revision), \(h.rows.count) rows")
    }

    package func historyFiltersMatchLiveFilters() async throws {
        let store = try await fresh()
        let rows = [
            row("hello world", recipient: "bob", count: 1, urgent: true), row("bye", user: "bob", recipient: "carol", count: 5),
            row("Hello again", user: nil, count: 10, urgent: false), row("x"),
        ]
        for r in rows { _ = try await store.insert(r, into: Self.topic) }
        let queries = [
            "recipient=bob", "recipient=bob&recipient=carol", "recipient!=bob", "count>=5", "count<5", "count>1&count<=10",
            "body~=ello", "urgent=true", "user=alice", "user!=alice", "count!=1&count!=5",
        ]
        for q in queries {
            let query = try TopicQuery.parse(q, for: Self.topic)
            let sql = try await store.history(of: Self.topic, query: query, limit: 100).rows.map(\.id)
            let live = rows.filter { r in query.filters.allSatisfy { $0.matches(r) } }.map(\.id)
            try expect(sql == live, "history and live filters agree on '\(q)'", "\(live)", "\(sql)")
        }
    }

    package func historyIsNewestLimitOldestFirst() async throws {
        let store = try await fresh()
        var ids: [String] = []
        for i in 0..<10 { ids.append(try await store.insert(row("m\(i)"), into: Self.topic).row.id) }
        let last3 = try await store.history(of: Self.topic, query: TopicQuery(), limit: 3).rows.map(\.id)
        try expect(last3 == Array(ids.suffix(3)), "without _since: the newest `limit` rows, oldest first", "\(ids.suffix(3))", "\(last3)")
        let after = try await store.history(of: Self.topic, query: TopicQuery(since: .id(ids[4])), limit: 2).rows.map(\.id)
        try expect(after == [ids[5], ids[6]], "with _since: the first `limit` rows after it", "\([ids[5], ids[6]])", "\(after)")
    }

    package func onlyTheAuthorMayChange() async throws {
        let store = try await fresh()
        let a = try await store.insert(row("mine"), into: Self.topic)
        do {
            _ = try await store.update(id: a.row.id, values: ["body": .text("x")], onlyAuthor: "bob", in: Self.topic)
            throw failure("another user's PUT is refused", "forbidden", "it succeeded")
        } catch let e as TopicError { try expect(e.kind == .forbidden, "another user's PUT is refused", "forbidden", "\(e)") }
        do {
            _ = try await store.delete(id: "nope", onlyAuthor: nil, in: Self.topic)
            throw failure("deleting a missing row is notFound", "notFound", "it succeeded")
        } catch let e as TopicError { try expect(e.kind == .notFound, "deleting a missing row is notFound", "notFound", "\(e)") }
        let h = try await store.history(of: Self.topic, query: TopicQuery(), limit: 10)
        try expect(h.rows.map { $0["body"] } == [.text("mine")] && h.revision == 1, "refused writes change nothing", nil, "\(h)")
    }

    package func prepareIsIdempotent() async throws {
        let store = try await fresh()
        _ = try await store.insert(row("kept"), into: Self.topic)
        var extended = Self.topic
        extended.columns.append(TopicColumn(name: "extra", type: .real))
        try await store.prepareTopics([extended])
        try await store.prepareTopics([extended])
        let h = try await store.history(of: extended, query: TopicQuery(), limit: 10)
        try expect(h.rows.count == 1 && h.rows[0]["extra"] == .null, "adding a column keeps rows", nil, "\(h.rows)")
    }

    /// An alert is recorded in its write's transaction: kept rows have one (with the writer
    /// and every value's type), refused rows and writes without `alert` have none, and it
    /// stays pending until cleared.
    package func alertsAreKeptWithTheirWrites() async throws {
        let store = try await fresh()
        let writer = TopicPrincipal(id: "alice", role: "user", displayName: "Alice", groups: ["ops"])
        let first = row("first", count: 7, urgent: true)
        _ = try await store.insert(row("quiet"), into: Self.topic)
        let results = try await store.insert([first, first], into: Self.topic, alert: TopicAlertRequest(principal: writer))
        let kept = try results[0].get()
        try expect(kept.alertID != nil, "a kept row with an alert reports its alertID", "an id", "nil")
        if case .success = results[1] { try expect(false, "a duplicate id in the batch is refused", "failure", "success") }
        let put = try await store.update(
            id: first.id,
            values: ["body": .text("second")],
            onlyAuthor: "alice",
            in: Self.topic,
            alert: TopicAlertRequest(principal: nil)
        )
        do {
            _ = try await store.delete(id: first.id, onlyAuthor: "bob", in: Self.topic, alert: TopicAlertRequest(principal: nil))
        } catch is TopicError {}
        let pending = try await store.pendingAlerts(after: 0, limit: 10)
        try expect(
            pending.map(\.change.method) == [.post, .put],
            "one pending alert per alerting write that was kept, in order",
            "[POST, PUT]",
            "\(pending.map(\.change.method))"
        )
        try expect(
            pending.first?.change.row == first && pending.first?.principal == writer && pending.first?.topic == Self.topic.name,
            "the pending alert keeps the row, its types and the writer",
            "\(first)",
            "\(String(describing: pending.first))"
        )
        try expect(
            pending.last?.change.previous?["body"] == .text("first") && pending.last?.id == put.alertID,
            "a PUT's pending alert keeps the row before and after",
            nil,
            "\(String(describing: pending.last))"
        )
        try await store.clearAlert(kept.alertID!)
        let after = try await store.pendingAlerts(after: 0, limit: 10)
        try expect(after.map(\.id) == [put.alertID!], "clearing an alert removes only it", "\([put.alertID!])", "\(after.map(\.id))")
        try expect(try await store.pendingAlerts(after: put.alertID!, limit: 10).isEmpty, "`after` skips alerts up to that id", "[]", nil)
    }

    func failure(_ what: String, _ expected: String?, _ actual: String?, check: String = #function, line: UInt = #line) -> ConformanceFailure {
        ConformanceFailure(check: check, message: what, expected: expected, actual: actual, file: #filePath, line: line)
    }

    func expect(_ ok: Bool, _ what: String, _ expected: String?, _ actual: String?, check: String = #function, line: UInt = #line) throws {
        if !ok { throw failure(what, expected, actual, check: check, line: line) }
    }
}
