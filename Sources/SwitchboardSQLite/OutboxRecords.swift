import Foundation
import GRDB
import SwitchboardCore

// One record per outbox table. Records hold exactly what the columns hold (dates as REAL
// seconds, addresses as their text form) and convert to and from the Core model, so a
// record built from a model and read back from SQLite yield equal models.

/// Raised when a stored value cannot be read back into the model (a corrupted or
/// hand-edited row); never expected in normal operation.
struct StoredValueError: Error, CustomStringConvertible {
    var table: String
    var column: String
    var value: String
    var description: String { "\(table).\(column) holds an unreadable value '\(value)'" }
}

extension Row {
    /// Decodes a `String`-backed enum, naming the column if the stored text is unknown.
    func decodeEnum<E: RawRepresentable>(_ type: E.Type, forColumn column: String, table: String) throws -> E
    where E.RawValue == String {
        let raw: String = try decode(forColumn: column)
        guard let value = E(rawValue: raw) else { throw StoredValueError(table: table, column: column, value: raw) }
        return value
    }

    func decodeAddress(forColumn column: String, table: String) throws -> Address {
        let text: String = try decode(forColumn: column)
        return try Self.storedAddress(text, column: column, table: table)
    }

    func decodeAddressIfPresent(forColumn column: String, table: String) throws -> Address? {
        guard let text: String = try decode(forColumn: column) else { return nil }
        return try Self.storedAddress(text, column: column, table: table)
    }

    /// Stored addresses are canonical (written from `Address.description`): read them without
    /// parsing again; anything else is parsed, and refused with the column named.
    private static func storedAddress(_ text: String, column: String, table: String) throws -> Address {
        if let address = Address(canonical: text) { return address }
        do { return try Address(parsing: text) } catch { throw StoredValueError(table: table, column: column, value: text) }
    }
}

/// A row of `messages`; warnings given at acceptance ride along as a JSON array.
struct MessageRow: FetchableRecord, PersistableRecord {
    static let databaseTableName = "messages"
    var message: Message
    var warnings: [String]

    init(_ message: Message, warnings: [String]) {
        self.message = message
        self.warnings = warnings
    }

    init(row: Row) throws {
        let t = Self.databaseTableName
        var origin: Origin?
        if let connector: String = try row.decode(forColumn: "origin_connector") {
            origin = Origin(
                connector: connector,
                from: try row.decodeAddress(forColumn: "origin_from", table: t),
                to: try row.decodeAddressIfPresent(forColumn: "origin_to", table: t)
            )
        }
        message = Message(
            id: try row.decode(forColumn: "id"),
            direction: try row.decodeEnum(Message.Direction.self, forColumn: "direction", table: t),
            subject: try row.decode(forColumn: "subject"),
            text: try row.decode(forColumn: "text"),
            html: try row.decode(forColumn: "html"),
            attachments: [],
            severity: try row.decodeEnum(Severity.self, forColumn: "severity", table: t),
            sender: try row.decode(forColumn: "sender"),
            createdAt: SQLDate.decode(try row.decode(Double.self, forColumn: "created_at")),
            origin: origin
        )
        let json: String = try row.decode(forColumn: "warnings")
        // Most messages have none: skip making a decoder for "[]" (read for every claim).
        warnings = json == "[]" ? [] : try JSONDecoder().decode([String].self, from: Data(json.utf8))
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["id"] = message.id
        container["direction"] = message.direction.rawValue
        container["subject"] = message.subject
        container["text"] = message.text
        container["html"] = message.html
        container["severity"] = message.severity.rawValue
        container["sender"] = message.sender
        container["created_at"] = SQLDate.encode(message.createdAt)
        container["origin_connector"] = message.origin?.connector
        container["origin_from"] = message.origin?.from.description
        container["origin_to"] = message.origin?.to?.description
        container["warnings"] = String(decoding: try JSONEncoder().encode(warnings), as: UTF8.self)
    }

    /// Inserts on a cached statement: the hot path of accepting messages, where GRDB's
    /// generic record insert (a container and a statement lookup per row) shows.
    func insertCached(_ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO messages (id, direction, subject, text, html, severity, sender, created_at,
                                      origin_connector, origin_from, origin_to, warnings)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        )
        let warningsJSON = warnings.isEmpty ? "[]" : String(decoding: try JSONEncoder().encode(warnings), as: UTF8.self)
        try statement.execute(arguments: [
            message.id, message.direction.rawValue, message.subject, message.text, message.html, message.severity.rawValue,
            message.sender, SQLDate.encode(message.createdAt), message.origin?.connector, message.origin?.from.description,
            message.origin?.to?.description, warningsJSON,
        ])
    }

    /// The message as a read would return it: dates rounded the way the column keeps them.
    static func stored(_ message: Message) -> Message {
        var copy = message
        copy.createdAt = SQLDate.normalize(message.createdAt)
        return copy
    }
}

/// A row of `attachments`; `position` keeps the order the sender gave.
struct AttachmentRow: FetchableRecord, PersistableRecord {
    static let databaseTableName = "attachments"
    var messageID: String
    var position: Int
    var attachment: Attachment

    init(messageID: String, position: Int, attachment: Attachment) {
        self.messageID = messageID
        self.position = position
        self.attachment = attachment
    }

    init(row: Row) throws {
        messageID = try row.decode(forColumn: "message_id")
        position = try row.decode(forColumn: "position")
        attachment = Attachment(
            filename: try row.decode(forColumn: "filename"),
            contentType: try row.decode(forColumn: "content_type"),
            data: try row.decode(forColumn: "data")
        )
    }

    func encode(to container: inout PersistenceContainer) {
        container["message_id"] = messageID
        container["position"] = position
        container["filename"] = attachment.filename
        container["content_type"] = attachment.contentType
        container["data"] = attachment.data
    }
}

/// A row of `deliveries`: the model plus the claim's lease and the order within its message.
struct DeliveryRow: FetchableRecord, PersistableRecord {
    static let databaseTableName = "deliveries"
    var delivery: Delivery
    var position: Int
    /// While `sending`: when the claim runs out and another worker may take the delivery.
    var leaseUntil: Date?

    init(_ delivery: Delivery, position: Int, leaseUntil: Date? = nil) {
        self.delivery = delivery
        self.position = position
        self.leaseUntil = leaseUntil
    }

    init(row: Row) throws {
        let t = Self.databaseTableName
        delivery = Delivery(
            id: try row.decode(forColumn: "id"),
            messageID: try row.decode(forColumn: "message_id"),
            address: try row.decodeAddress(forColumn: "address", table: t),
            channel: ChannelName(rawValue: try row.decode(forColumn: "channel")),
            status: try row.decodeEnum(DeliveryStatus.self, forColumn: "status", table: t),
            attempts: try row.decode(forColumn: "attempts"),
            nextAttemptAt: nil,
            pinnedConnector: try row.decode(forColumn: "pinned_connector"),
            connector: try row.decode(forColumn: "connector"),
            receiptID: try row.decode(forColumn: "receipt_id"),
            lastError: try row.decode(forColumn: "last_error"),
            createdAt: SQLDate.decode(try row.decode(Double.self, forColumn: "created_at")),
            updatedAt: SQLDate.decode(try row.decode(Double.self, forColumn: "updated_at"))
        )
        // Set after init: the initialiser fills a missing value in for queued deliveries.
        delivery.nextAttemptAt = SQLDate.decodeIfPresent(try row.decode(Double?.self, forColumn: "next_attempt_at"))
        position = try row.decode(forColumn: "position")
        leaseUntil = SQLDate.decodeIfPresent(try row.decode(Double?.self, forColumn: "lease_until"))
    }

    func encode(to container: inout PersistenceContainer) {
        container["id"] = delivery.id
        container["message_id"] = delivery.messageID
        container["position"] = position
        container["address"] = delivery.address.description
        container["channel"] = delivery.channel.rawValue
        container["status"] = delivery.status.rawValue
        container["attempts"] = delivery.attempts
        container["next_attempt_at"] = SQLDate.encodeIfPresent(delivery.nextAttemptAt)
        container["pinned_connector"] = delivery.pinnedConnector
        container["connector"] = delivery.connector
        container["receipt_id"] = delivery.receiptID
        container["last_error"] = delivery.lastError
        container["created_at"] = SQLDate.encode(delivery.createdAt)
        container["updated_at"] = SQLDate.encode(delivery.updatedAt)
        container["lease_until"] = SQLDate.encodeIfPresent(leaseUntil)
    }

    /// Inserts on a cached statement (see `MessageRow.insertCached`).
    func insertCached(_ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO deliveries (id, message_id, position, address, channel, status, attempts, next_attempt_at,
                                        pinned_connector, connector, receipt_id, last_error, created_at, updated_at, lease_until)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        )
        try statement.execute(arguments: [
            delivery.id, delivery.messageID, position, delivery.address.description, delivery.channel.rawValue,
            delivery.status.rawValue, delivery.attempts, SQLDate.encodeIfPresent(delivery.nextAttemptAt),
            delivery.pinnedConnector, delivery.connector, delivery.receiptID, delivery.lastError,
            SQLDate.encode(delivery.createdAt), SQLDate.encode(delivery.updatedAt), SQLDate.encodeIfPresent(leaseUntil),
        ])
    }

    static func stored(_ delivery: Delivery) -> Delivery {
        var copy = delivery
        copy.nextAttemptAt = delivery.nextAttemptAt.map(SQLDate.normalize)
        copy.createdAt = SQLDate.normalize(delivery.createdAt)
        copy.updatedAt = SQLDate.normalize(delivery.updatedAt)
        return copy
    }
}

/// A row of `delivery_attempts`; the integer `id` keeps them in the order they were recorded.
struct AttemptRow: FetchableRecord, PersistableRecord {
    static let databaseTableName = "delivery_attempts"
    var attempt: DeliveryAttempt

    init(_ attempt: DeliveryAttempt) { self.attempt = attempt }

    init(row: Row) throws {
        attempt = DeliveryAttempt(
            deliveryID: try row.decode(forColumn: "delivery_id"),
            number: try row.decode(forColumn: "number"),
            at: SQLDate.decode(try row.decode(Double.self, forColumn: "at")),
            connector: try row.decode(forColumn: "connector"),
            outcome: try row.decodeEnum(DeliveryAttempt.Outcome.self, forColumn: "outcome", table: Self.databaseTableName),
            error: try row.decode(forColumn: "error"),
            receiptID: try row.decode(forColumn: "receipt_id")
        )
    }

    func encode(to container: inout PersistenceContainer) {
        container["delivery_id"] = attempt.deliveryID
        container["number"] = attempt.number
        container["at"] = SQLDate.encode(attempt.at)
        container["connector"] = attempt.connector
        container["outcome"] = attempt.outcome.rawValue
        container["error"] = attempt.error
        container["receipt_id"] = attempt.receiptID
    }
}
