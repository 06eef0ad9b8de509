import Foundation
import Logging
import PostgresNIO
import SwitchboardCore

// The dispatcher's claims. Two range scans of the partial indexes (due queued, expired
// leases), each locking what it reads and skipping what another claim holds; the oldest
// `limit` of both are taken. Rows read but not taken are released at commit, untouched.
// The same statement returns each claimed message once (on the first of its deliveries) and
// whether it has attachments, so a claim is four statements whatever its size —
//
//     BEGIN · set_config (the plan, below) · the claim with its messages · COMMIT
//
// and a fifth, the attachments, only when a claimed message has some.
//
// Within a `ClaimScope` (single-owner connectors) the scans also leave out what another node
// must send, judged against `cluster_leases` in the same statement, by the database's clock:
// a delivery pinned to a single-owner connector goes only to the node holding its lease; one
// whose channel's route has a single-owner connector another node holds is left to that
// node; a route made only of single-owner connectors needs one held by this node.

extension PostgresStore: ScopedClaims {
    package func claimDue(limit: Int, now: Date, leaseUntil: Date) async throws -> [DeliveryJob] {
        try await claim(limit: limit, now: now, leaseUntil: leaseUntil, scope: nil)
    }

    package func claimDue(limit: Int, now: Date, leaseUntil: Date, scope: ClaimScope) async throws -> [DeliveryJob] {
        try await claim(limit: limit, now: now, leaseUntil: leaseUntil, scope: scope.isRestricting ? scope : nil)
    }

    /// Claims record no holder, so any claim still `sending` is extended: after this node's
    /// lease ran out and another claimed the row, extending lengthens that claim, which is
    /// sending the same delivery anyway.
    package func extendLeases(ids: [String], until: Date) async throws {
        guard !ids.isEmpty else { return }
        try await client.withConnection { connection in
            _ = try await connection.execute(
                "UPDATE deliveries SET lease_until = \(until) WHERE status = 'sending' AND id = ANY(\(ids)::text[])",
                logger: logger
            )
        }
    }

    private func claim(limit: Int, now: Date, leaseUntil: Date, scope: ClaimScope?) async throws -> [DeliveryJob] {
        guard limit > 0 else { return [] }
        let logger = self.logger
        let query = Self.claimQuery(limit: limit, now: now, leaseUntil: leaseUntil, scope: scope)
        return try await transaction { connection in
            try await connection.execute(Self.claimPlan, logger: logger)
            let rows = try await connection.rows(query, logger: logger)
            var due: [(t: Date, kind: Int, seq: Int64, delivery: Delivery)] = []
            var messages: [String: Message] = [:]
            var withAttachments: [String] = []
            for row in rows {
                let delivery = try OutboxRecords.delivery(row)
                due.append(
                    (try row["claim_t"].decode(Date.self), try row["claim_kind"].decode(Int.self), try row["seq"].decode(Int64.self), delivery)
                )
                guard try row["m_first"].decode(Bool.self) else { continue }
                guard try row["m_id"].decode(String?.self) != nil else {
                    throw PostgresStoreError.unreadable(table: "deliveries", column: "message_id", value: delivery.messageID)
                }
                messages[delivery.messageID] = try OutboxRecords.message(row, prefix: "m_")
                if try row["m_has_attachments"].decode(Bool.self) { withAttachments.append(delivery.messageID) }
            }
            if !withAttachments.isEmpty {
                for (id, attachments) in try await Self.fetchAttachments(messageIDs: withAttachments, on: connection, logger: logger) {
                    messages[id]?.attachments = attachments
                }
            }
            due.sort { a, b in a.t != b.t ? a.t < b.t : a.kind != b.kind ? a.kind < b.kind : a.seq < b.seq }
            return try due.map { item in
                guard let message = messages[item.delivery.messageID] else {
                    throw PostgresStoreError.unreadable(table: "deliveries", column: "message_id", value: item.delivery.messageID)
                }
                return DeliveryJob(delivery: item.delivery, message: message)
            }
        }
    }

    /// Makes the claim walk the partial indexes in order and stop at `limit`, for this
    /// transaction only. Without it, statistics that lag a growing backlog (a fresh table, a
    /// burst of accepts) led the planner to a bitmap scan of every due row and a sort of them
    /// all, once per claim: 18,000 rows read and sorted to take 128, most of the database's
    /// time on the send path.
    ///
    /// The claim also commits without waiting for its WAL flush (`synchronous_commit` off, for
    /// this transaction only): every send waited for that flush (3–4 ms on the bench's disk,
    /// 10–80 ms at its p99) and gained nothing by it. Other nodes see the claim at once either
    /// way. Only a crash of PostgreSQL itself can lose a claim, and only one whose outcome is not
    /// committed yet (an outcome's commit flushes the WAL before it, the claim's included): a
    /// send the dead database could not have recorded anyway. Its delivery is then due again,
    /// as after any crash, within the sends a crash may repeat.
    static let claimPlan: PostgresQuery = """
        SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true),
               set_config('synchronous_commit', 'off', true)
        """

    static func claimQuery(limit: Int, now: Date, leaseUntil: Date, scope: ClaimScope?) -> PostgresQuery {
        var b = QueryBuilder()
        let nowValue = b.bind(now)
        let limitValue = b.bind(limit)
        let leaseValue = b.bind(leaseUntil)
        var ownership = ""
        var filter = ""
        if let scope {
            let node = b.bind(scope.node)
            let singles = b.bind(scope.singleOwner.sorted())
            let pairs = scope.routePairs
            let channels = b.bind(pairs.channels)
            let connectors = b.bind(pairs.connectors)
            let ownedOnly = b.bind(scope.ownedOnlyChannels.map(\.rawValue).sorted())
            // `mine` is NULL for a single-owner connector nobody holds: skipped at send time.
            ownership = """
                held AS (
                    SELECT substr(name, 11) AS connector, holder = \(node) AS mine FROM cluster_leases
                    WHERE name LIKE 'connector:%' AND expires_at > now()
                ), owned_routes AS (
                    SELECT r.channel, h.mine FROM unnest(\(channels)::text[], \(connectors)::text[]) AS r(channel, connector)
                    LEFT JOIN held h ON h.connector = r.connector
                ),
                """
            filter = """
                AND CASE WHEN d.pinned_connector IS NULL THEN
                    NOT EXISTS (SELECT 1 FROM owned_routes o WHERE o.channel = d.channel AND o.mine = false)
                    AND (d.channel <> ALL (\(ownedOnly)::text[])
                         OR EXISTS (SELECT 1 FROM owned_routes o WHERE o.channel = d.channel AND o.mine))
                ELSE d.pinned_connector <> ALL (\(singles)::text[])
                    OR EXISTS (SELECT 1 FROM held h WHERE h.connector = d.pinned_connector AND h.mine)
                END
                """
        }
        return b.query(
            """
            WITH \(ownership) queued AS (
                SELECT d.id, d.next_attempt_at AS t, 0 AS kind, d.seq FROM deliveries d
                WHERE d.status = 'queued' AND d.next_attempt_at <= \(nowValue) \(filter)
                ORDER BY d.next_attempt_at, d.seq LIMIT \(limitValue) FOR UPDATE OF d SKIP LOCKED
            ), expired AS (
                SELECT d.id, d.lease_until AS t, 1 AS kind, d.seq FROM deliveries d
                WHERE d.status = 'sending' AND d.lease_until <= \(nowValue) \(filter)
                ORDER BY d.lease_until, d.seq LIMIT \(limitValue) FOR UPDATE OF d SKIP LOCKED
            ), picked AS (
                SELECT * FROM queued UNION ALL SELECT * FROM expired ORDER BY t, kind, seq LIMIT \(limitValue)
            ), claimed AS (
                UPDATE deliveries d SET status = 'sending', lease_until = \(leaseValue), updated_at = \(nowValue)
                FROM picked WHERE d.id = picked.id
                RETURNING d.*, picked.t AS claim_t, picked.kind AS claim_kind
            ), firsts AS (
                SELECT c.*, row_number() OVER (PARTITION BY c.message_id) = 1 AS m_first FROM claimed c
            )
            SELECT f.*, m.id AS m_id, m.direction AS m_direction, m.subject AS m_subject, m.text AS m_text, m.html AS m_html,
                m.severity AS m_severity, m.sender AS m_sender, m.created_at AS m_created_at,
                m.origin_connector AS m_origin_connector, m.origin_from AS m_origin_from, m.origin_to AS m_origin_to,
                EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id) AS m_has_attachments
            FROM firsts f LEFT JOIN messages m ON f.m_first AND m.id = f.message_id
            """
        )
    }
}
