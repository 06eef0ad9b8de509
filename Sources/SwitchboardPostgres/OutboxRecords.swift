import Foundation
import PostgresNIO
import SwitchboardCore

// Reading the outbox's rows back into Core's model. Rows hold exactly what the columns hold
// (dates as `timestamptz`, addresses as their text form, enums as their raw values), so a
// model written and read back is equal to itself once its dates are normalised
// (`PostgresDate.normalize`), which is what `stored(_:)` returns for an insert.

extension PostgresRandomAccessRow {
    /// Decodes a `String`-backed enum, naming the column if the stored text is unknown.
    func decodeEnum<E: RawRepresentable>(_ type: E.Type, _ column: String, table: String) throws -> E where E.RawValue == String {
        let raw = try self[column].decode(String.self)
        guard let value = E(rawValue: raw) else { throw PostgresStoreError.unreadable(table: table, column: column, value: raw) }
        return value
    }

    /// Stored addresses are canonical (written from `Address.description`): read them without
    /// parsing again; anything else is parsed, and refused with the column named.
    func decodeAddress(_ column: String, table: String) throws -> Address {
        let text = try self[column].decode(String.self)
        if let address = Address(canonical: text) { return address }
        do { return try Address(parsing: text) } catch { throw PostgresStoreError.unreadable(table: table, column: column, value: text) }
    }

    func decodeAddressIfPresent(_ column: String, table: String) throws -> Address? {
        guard try self[column].decode(String?.self) != nil else { return nil }
        return try decodeAddress(column, table: table)
    }
}

/// Conversions between the outbox tables and the model.
enum OutboxRecords {
    /// A `messages` row, without its attachments, and the warnings given at acceptance.
    static func message(_ row: PostgresRandomAccessRow) throws -> (message: Message, warnings: [String]) {
        (try message(row, prefix: ""), try row["warnings"].decode([String].self))
    }

    /// A `messages` row's columns, each read as `prefix` + its name (the claim reads them
    /// beside their delivery's as `m_…`), without attachments or warnings.
    static func message(_ row: PostgresRandomAccessRow, prefix: String) throws -> Message {
        let t = "messages"
        var origin: Origin?
        if let connector = try row[prefix + "origin_connector"].decode(String?.self) {
            origin = Origin(
                connector: connector,
                from: try row.decodeAddress(prefix + "origin_from", table: t),
                to: try row.decodeAddressIfPresent(prefix + "origin_to", table: t)
            )
        }
        return Message(
            id: try row[prefix + "id"].decode(String.self),
            direction: try row.decodeEnum(Message.Direction.self, prefix + "direction", table: t),
            subject: try row[prefix + "subject"].decode(String?.self),
            text: try row[prefix + "text"].decode(String.self),
            html: try row[prefix + "html"].decode(String?.self),
            attachments: [],
            severity: try row.decodeEnum(Severity.self, prefix + "severity", table: t),
            sender: try row[prefix + "sender"].decode(String?.self),
            createdAt: try row[prefix + "created_at"].decode(Date.self),
            origin: origin
        )
    }

    /// A `deliveries` row.
    static func delivery(_ row: PostgresRandomAccessRow) throws -> Delivery {
        let t = "deliveries"
        var delivery = Delivery(
            id: try row["id"].decode(String.self),
            messageID: try row["message_id"].decode(String.self),
            address: try row.decodeAddress("address", table: t),
            channel: ChannelName(rawValue: try row["channel"].decode(String.self)),
            status: try row.decodeEnum(DeliveryStatus.self, "status", table: t),
            attempts: try row["attempts"].decode(Int.self),
            nextAttemptAt: nil,
            pinnedConnector: try row["pinned_connector"].decode(String?.self),
            connector: try row["connector"].decode(String?.self),
            receiptID: try row["receipt_id"].decode(String?.self),
            lastError: try row["last_error"].decode(String?.self),
            createdAt: try row["created_at"].decode(Date.self),
            updatedAt: try row["updated_at"].decode(Date.self)
        )
        // Set after init: the initialiser fills a missing value in for queued deliveries.
        delivery.nextAttemptAt = try row["next_attempt_at"].decode(Date?.self)
        return delivery
    }

    /// A `delivery_attempts` row.
    static func attempt(_ row: PostgresRandomAccessRow) throws -> DeliveryAttempt {
        DeliveryAttempt(
            deliveryID: try row["delivery_id"].decode(String.self),
            number: try row["number"].decode(Int.self),
            at: try row["at"].decode(Date.self),
            connector: try row["connector"].decode(String.self),
            outcome: try row.decodeEnum(DeliveryAttempt.Outcome.self, "outcome", table: "delivery_attempts"),
            error: try row["error"].decode(String?.self),
            receiptID: try row["receipt_id"].decode(String?.self)
        )
    }

    /// A `status_changes` row.
    static func statusChange(_ row: PostgresRandomAccessRow) throws -> StatusChange {
        let t = "status_changes"
        return StatusChange(
            deliveryID: try row["delivery_id"].decode(String.self),
            from: try row.decodeEnum(DeliveryStatus.self, "from_status", table: t),
            to: try row.decodeEnum(DeliveryStatus.self, "to_status", table: t),
            reason: try row["reason"].decode(String.self),
            actor: try row["actor"].decode(String.self),
            at: try row["at"].decode(Date.self)
        )
    }

    /// The message as a read returns it: dates as the column keeps them.
    static func stored(_ message: Message) -> Message {
        var copy = message
        copy.createdAt = PostgresDate.normalize(message.createdAt)
        return copy
    }

    /// The delivery as a read returns it.
    static func stored(_ delivery: Delivery) -> Delivery {
        var copy = delivery
        copy.nextAttemptAt = delivery.nextAttemptAt.map(PostgresDate.normalize)
        copy.createdAt = PostgresDate.normalize(delivery.createdAt)
        copy.updatedAt = PostgresDate.normalize(delivery.updatedAt)
        return copy
    }
}

/// SQL fragments built from Core's enums, never from input: the texts are the enums' own
/// raw values, so they cannot carry anything a caller typed.
enum QueueSQL {
    /// Statuses a recipient is still waiting on.
    static let pendingStatuses: [DeliveryStatus] = [.queued, .sending, .held]

    /// `pendingStatuses` as two arms the planner can serve from two partial indexes (a
    /// bitmap OR of `deliveries_waiting` and `deliveries_lease`); as one `IN` list no index
    /// holds them all, and every delivery ever sent would be read.
    static let waitingRecipientFilter = "(d.status IN \(list([.queued, .held])) OR d.status = '\(DeliveryStatus.sending.rawValue)')"

    /// `('queued', 'held')` for a constant `IN` list.
    static func list(_ statuses: [DeliveryStatus]) -> String {
        "(" + statuses.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"
    }

    /// Severity is stored as its name; this turns `m.severity` into `Severity.rank` so SQL
    /// orders `critical` above `warning`. Built from `Severity.allCases`.
    static let severityRank: String =
        "CASE m.severity " + Severity.allCases.map { "WHEN '\($0.rawValue)' THEN \($0.rank)" }.joined(separator: " ") + " ELSE -1 END"
}
