import Foundation
import PostgresNIO
import SwitchboardCore

// A connector's throughput for the cluster (`SharedSendSlots`): one row per connector holds
// when the next free send slot begins. A reservation of `count` slots is one upsert that
// moves it `count` intervals on from itself or from now, whichever is later, and returns where
// the reserved run begins; the row lock orders nodes reserving at once. Times are the
// database's `now()`, so nodes' clocks never decide.
extension PostgresStore: SharedSendSlots {
    package func reserveSendSlots(connector: String, count: Int, interval: TimeInterval) async throws -> TimeInterval {
        guard count > 0 else { return 0 }
        let span = Double(count) * interval
        let rows = try await rows(
            """
            INSERT INTO connector_send_slots AS s (connector, next_slot)
            VALUES (\(connector), now() + \(span) * interval '1 second')
            ON CONFLICT (connector) DO UPDATE SET next_slot = GREATEST(s.next_slot, now()) + \(span) * interval '1 second'
            RETURNING EXTRACT(EPOCH FROM (s.next_slot - now()))::float8 - \(span) AS first_in
            """
        )
        guard let row = rows.first else { return 0 }
        return max(0, try row["first_in"].decode(Double.self))
    }
}
