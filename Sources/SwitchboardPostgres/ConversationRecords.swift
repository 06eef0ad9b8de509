import Foundation
import PostgresNIO
import SwitchboardCore

/// Conversions between `conversations` rows and the model; `data` is JSON text (as the SQLite
/// store keeps it). The transcript is rows of `conversation_messages` (`entry`, `entrySQL`).
enum ConversationRecords {
    /// Every column a write sets, in the order of `bind(_:into:)`.
    static let columns = [
        "id", "connector", "address", "username", "contact_id", "responder", "status", "started_at", "updated_at",
        "step_count", "next_step", "list_shortcut", "data", "expires_at", "end_reason", "ended_by", "revision",
    ]
    /// The columns read back: all of them, the row number, and the start as the listing's
    /// cursor keeps it (seconds since 1970, computed by the server, so a cursor compares equal
    /// to the row it came from).
    static let select = "SELECT *, extract(epoch FROM started_at)::float8 AS started_epoch FROM conversations"

    static func insertSQL(_ builder: inout QueryBuilder, _ c: Conversation) throws -> String {
        let marks = try bind(c, &builder)
        return "INSERT INTO conversations (\(columns.joined(separator: ", "))) VALUES (\(marks.joined(separator: ", ")))"
    }

    /// Updates one conversation only at the revision the turn read.
    static func updateSQL(_ builder: inout QueryBuilder, _ c: Conversation, expected: Int) throws -> String {
        let marks = try bind(c, &builder)
        let sets = zip(columns, marks).dropFirst().map { "\($0) = \($1)" }.joined(separator: ", ")
        return "UPDATE conversations SET \(sets) WHERE id = \(marks[0]) AND revision = \(builder.bind(Int64(expected)))"
    }

    private static func bind(_ c: Conversation, _ b: inout QueryBuilder) throws -> [String] {
        [
            b.bind(c.id), b.bind(c.connector), b.bind(c.address.description), b.bind(c.username), b.bind(c.contactID),
            b.bind(c.responder), b.bind(c.status.rawValue), b.bind(c.startedAt), b.bind(c.updatedAt),
            b.bind(Int64(c.stepCount)), b.bind(c.nextStep), b.bind(c.listShortcut),
            b.bind(try encodeJSON(c.data)), b.bind(c.expiresAt), b.bind(c.endReason), b.bind(c.endedBy), b.bind(Int64(c.revision)),
        ]
    }

    static func conversation(_ row: PostgresRandomAccessRow) throws -> Conversation {
        let status = try row["status"].decode(String.self)
        guard let decodedStatus = ConversationStatus(rawValue: status) else {
            throw PostgresStoreError.unreadable(table: "conversations", column: "status", value: status)
        }
        return Conversation(
            id: try row["id"].decode(String.self),
            connector: try row["connector"].decode(String.self),
            address: try address(try row["address"].decode(String.self), table: "conversations"),
            username: try row["username"].decode(String?.self),
            contactID: try row["contact_id"].decode(String?.self),
            responder: try row["responder"].decode(String.self),
            status: decodedStatus,
            startedAt: try row["started_at"].decode(Date.self),
            updatedAt: try row["updated_at"].decode(Date.self),
            stepCount: Int(try row["step_count"].decode(Int64.self)),
            nextStep: try row["next_step"].decode(String?.self),
            listShortcut: try row["list_shortcut"].decode(String?.self),
            data: try decodeJSON([String: JSONValue].self, row, "data"),
            expiresAt: try row["expires_at"].decode(Date?.self),
            endReason: try row["end_reason"].decode(String?.self),
            endedBy: try row["ended_by"].decode(String?.self),
            revision: Int(try row["revision"].decode(Int64.self))
        )
    }

    /// A transcript page: the entries after a `seq`, in order (a range of the primary key).
    static func transcriptQuery(conversationID: String, after seq: Int, limit: Int) -> PostgresQuery {
        """
        SELECT seq, direction, text, message_id, step, at FROM conversation_messages
        WHERE conversation_id = \(conversationID) AND seq > \(Int64(max(seq, 0))) ORDER BY seq LIMIT \(Int64(limit))
        """
    }

    /// Appends one entry at `seq`; a turn numbers on from the last stored one.
    static func appendQuery(_ entry: ConversationEntry, conversationID: String, seq: Int) -> PostgresQuery {
        """
        INSERT INTO conversation_messages (conversation_id, seq, direction, text, message_id, step, at)
        VALUES (\(conversationID), \(Int64(seq)), \(entry.direction.rawValue), \(entry.text), \(entry.messageID), \(entry.step), \(entry.at))
        """
    }

    static func entry(_ row: PostgresRandomAccessRow) throws -> ConversationEntry {
        let direction = try row["direction"].decode(String.self)
        guard let decodedDirection = ConversationEntry.Direction(rawValue: direction) else {
            throw PostgresStoreError.unreadable(table: "conversation_messages", column: "direction", value: direction)
        }
        return ConversationEntry(
            direction: decodedDirection,
            text: try row["text"].decode(String.self),
            at: try row["at"].decode(Date.self),
            messageID: try row["message_id"].decode(String?.self),
            step: try row["step"].decode(String?.self),
            seq: Int(try row["seq"].decode(Int64.self))
        )
    }

    static func cursor(_ row: PostgresRandomAccessRow) throws -> ConversationCursor {
        ConversationCursor(time: try row["started_epoch"].decode(Double.self), seq: try row["seq"].decode(Int64.self))
    }

    static func signOut(_ row: PostgresRandomAccessRow) throws -> SignOutDeadline {
        SignOutDeadline(
            connector: try row["connector"].decode(String.self),
            address: try address(try row["address"].decode(String.self), table: "conversation_signouts"),
            dueAt: try row["due_at"].decode(Date.self)
        )
    }

    private static func address(_ text: String, table: String) throws -> Address {
        if let address = Address(canonical: text) { return address }
        do { return try Address(parsing: text) } catch {
            throw PostgresStoreError.unreadable(table: table, column: "address", value: text)
        }
    }

    private static func encodeJSON(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func decodeJSON<T: Decodable>(_ type: T.Type, _ row: PostgresRandomAccessRow, _ column: String) throws -> T {
        let json = try row[column].decode(String.self)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do { return try decoder.decode(type, from: Data(json.utf8)) } catch {
            throw PostgresStoreError.unreadable(table: "conversations", column: column, value: String(json.prefix(100)))
        }
    }
}
