import Foundation
import PostgresNIO
import SwitchboardCore
import Testing

@testable import SwitchboardPostgres

/// Migration 100 trades the two all-status indexes of `deliveries` for partial ones and drops
/// the unique index on `seq`: a database with rows in every status keeps them all, listed as
/// before; and the lists that read those indexes read them, not the sent history (a seq scan
/// there would only show as a slow page on a large hub, never as a failed test).
@Suite("PostgreSQL: the delivery indexes of migration 100", .enabled(if: PostgresTestDatabase.enabled))
struct PostgresDeliveryIndexesTests {
    /// Six messages of one delivery each, moved through the dispatcher's own calls: two left
    /// queued, one sending, then sent, failed and held. Returns the ids by status.
    static func deliveriesInEveryStatus(_ store: PostgresStore, now: Date) async throws -> [DeliveryStatus: [String]] {
        let submissions = (0..<6).map { index in
            let message = Message(text: "message \(index)", severity: index == 0 ? .critical : .info, sender: "ops", createdAt: now)
            let at = now.addingTimeInterval(Double(index))
            let delivery = Delivery(messageID: message.id, address: .sms("+4790000\(index % 3)"), channel: .sms, nextAttemptAt: at, createdAt: at)
            return Submission(message: message, deliveries: [delivery])
        }
        _ = try await store.accept(batch: submissions)
        let claimed = try await store.claimDue(limit: 4, now: now.addingTimeInterval(10), leaseUntil: now.addingTimeInterval(600)).map(\.delivery.id)
        try #require(claimed.count == 4)
        let outcomes: [DeliveryOutcome] = [
            .sent(connector: "gateway", receiptID: "r1"), .failed(connector: "gateway", error: "refused"), .held(error: "no route"),
        ]
        let finished = zip(claimed, outcomes).map { id, outcome in DeliveryFinish(deliveryID: id, outcome: outcome, attempts: []) }
        for result in try await store.finish(finished) { _ = try result.get() }
        let queued = submissions.map { $0.deliveries[0].id }.filter { !claimed.contains($0) }
        return [.queued: queued, .sending: [claimed[3]], .sent: [claimed[0]], .failed: [claimed[1]], .held: [claimed[2]]]
    }

    static func indexes(_ store: PostgresStore) async throws -> Set<String> {
        let rows = try await store.rows("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'deliveries'")
        return Set(try rows.map { try $0["indexname"].decode(String.self) })
    }

    /// The plan of `query`, one line per row of `EXPLAIN`.
    static func plan(_ store: PostgresStore, _ query: PostgresQuery) async throws -> String {
        let rows = try await store.rows(PostgresQuery(unsafeSQL: "EXPLAIN " + query.sql, binds: query.binds))
        return try rows.map { try $0["QUERY PLAN"].decode(String.self) }.joined(separator: "\n")
    }

    @Test func aDatabaseWithTheEarlierSchemaKeepsEveryDeliveryAndListsItAsBefore() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let store = try harness.makeUnmigratedStore(schema: try await harness.makeSchema())
            _ = try await PostgresMigrator(migrations: PostgresMigrations.all.filter { $0.version < 100 }).migrate(store)
            let now = PostgresDate.normalize(Date())
            let ids = try await Self.deliveriesInEveryStatus(store, now: now)
            #expect(try await Self.indexes(store).isSuperset(of: ["deliveries_created", "deliveries_updated", "deliveries_seq_key"]))
            let failed = try await store.deliveries(status: .failed, limit: 10)
            let held = try await store.deliveries(status: .held, limit: 10)
            let waiting = try await store.pendingRecipients(channel: nil, limit: 10, after: nil)
            let seqs = try await store.rows("SELECT id, seq FROM deliveries ORDER BY seq").map {
                (try $0["id"].decode(String.self), try $0["seq"].decode(Int64.self))
            }

            #expect(try await store.migrate() == [100])

            let indexes = try await Self.indexes(store)
            #expect(indexes.isSuperset(of: ["deliveries_waiting", "deliveries_parked", "deliveries_due", "deliveries_lease"]))
            #expect(indexes.isDisjoint(with: ["deliveries_created", "deliveries_updated", "deliveries_seq_key"]))
            let after = try await store.rows("SELECT id, seq FROM deliveries ORDER BY seq").map {
                (try $0["id"].decode(String.self), try $0["seq"].decode(Int64.self))
            }
            #expect(after.map(\.0) == seqs.map(\.0) && after.map(\.1) == seqs.map(\.1), "every row kept, with its seq")
            #expect(try await store.deliveries(status: .failed, limit: 10) == failed)
            #expect(failed.map(\.id) == ids[.failed])
            #expect(try await store.deliveries(status: .held, limit: 10) == held)
            #expect(held.map(\.id) == ids[.held])
            #expect(try await store.pendingRecipients(channel: nil, limit: 10, after: nil) == waiting)
            #expect(waiting.recipients.reduce(0) { $0 + $1.count } == 4, "two queued, one sending, one held")

            // The outbox goes on: a new delivery gets the next seq and is claimed, the queued
            // ones first; what waited can still be cancelled by age.
            let message = Message(text: "after the migration", severity: .info, createdAt: now)
            let next = Delivery(
                messageID: message.id,
                address: .sms("+4791111111"),
                channel: .sms,
                nextAttemptAt: now.addingTimeInterval(20),
                createdAt: now
            )
            _ = try await store.accept(batch: [Submission(message: message, deliveries: [next])])
            let nextSeq = try await store.rows("SELECT seq FROM deliveries WHERE id = \(next.id)").first?["seq"].decode(Int64.self)
            #expect(nextSeq == (seqs.map(\.1).max() ?? 0) + 1)
            let claimed = try await store.claimDue(limit: 10, now: now.addingTimeInterval(30), leaseUntil: now.addingTimeInterval(600))
            #expect(claimed.map(\.delivery.id) == (ids[.queued] ?? []) + [next.id])
            let cancelled = try await store.cancelPending(
                createdBefore: now.addingTimeInterval(60),
                channel: nil,
                status: .cancelled,
                reason: "drill over",
                by: "ops"
            )
            #expect(cancelled == 1, "only the held one waits now; the others are being sent")
        }
    }

    @Test func waitingAndParkedListsReadTheirPartialIndexesNotTheSentHistory() async throws {
        try await PostgresTestDatabase.withHarness { harness in
            let store = try await harness.makeStore()
            let now = PostgresDate.normalize(Date())
            _ = try await Self.deliveriesInEveryStatus(store, now: now)
            // A hub's history: twenty thousand sent deliveries.
            try await store.changes(
                """
                INSERT INTO messages (id, direction, text, severity, created_at) VALUES ('history', 'outbound', 'old news', 'info', now())
                """
            )
            try await store.changes(
                """
                INSERT INTO deliveries (id, message_id, position, address, channel, status, attempts, connector, receipt_id,
                    created_at, updated_at)
                SELECT 'h' || g, 'history', g, 'sms:+4780' || (g % 500), 'sms', 'sent', 1, 'gateway', g::text,
                    now() - interval '1 day', now() - interval '1 day'
                FROM generate_series(1, 20000) g
                """
            )
            try await store.changes("ANALYZE deliveries")

            for channel in [nil, ChannelName.sms] {
                let cursor = RecipientCursor(rank: 1, oldest: now.timeIntervalSince1970, channel: "sms", address: "sms:+47900000")
                for after in [nil, cursor] {
                    let plan = try await Self.plan(store, PostgresStore.pendingRecipientsQuery(channel: channel, limit: 50, after: after))
                    #expect(plan.contains("deliveries_waiting") && plan.contains("deliveries_lease"), "\(plan)")
                    #expect(!plan.contains("Seq Scan on deliveries"), "\(plan)")
                }
            }
            for status in [DeliveryStatus.failed, .held] {
                for after in [nil, DeliveryCursor(time: now.timeIntervalSince1970, seq: 3)] {
                    let plan = try await Self.plan(store, PostgresStore.deliveriesQuery(status: status, limit: 50, after: after))
                    #expect(plan.contains("deliveries_parked"), "\(plan)")
                    #expect(!plan.contains("Seq Scan on deliveries"), "\(plan)")
                }
            }
        }
    }
}
