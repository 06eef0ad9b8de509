import Foundation
import GRDB
import SwitchboardCore

/// A row of `conversations`: the model plus its row number (the listing's tie-break). `data`
/// is JSON text; the transcript is rows of `conversation_messages` (`ConversationEntryRow`).
struct ConversationRow: FetchableRecord {
    static let databaseTableName = "conversations"
    /// Every column a write sets, in the order of `arguments(_:)`.
    static let columns = [
        "id", "connector", "address", "username", "contact_id", "responder", "status", "started_at", "updated_at",
        "step_count", "next_step", "list_shortcut", "data", "expires_at", "end_reason", "ended_by", "revision",
    ]
    static let insertSQL =
        "INSERT INTO conversations (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
    /// Updates one conversation only at the revision the turn read (bound last).
    static let updateSQL =
        "UPDATE conversations SET \(columns.dropFirst().map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ? AND revision = ?"

    var conversation: Conversation
    var seq: Int64

    init(row: Row) throws {
        let t = Self.databaseTableName
        conversation = Conversation(
            id: try row.decode(forColumn: "id"),
            connector: try row.decode(forColumn: "connector"),
            address: try row.decodeAddress(forColumn: "address", table: t),
            username: try row.decode(forColumn: "username"),
            contactID: try row.decode(forColumn: "contact_id"),
            responder: try row.decode(forColumn: "responder"),
            status: try row.decodeEnum(ConversationStatus.self, forColumn: "status", table: t),
            startedAt: SQLDate.decode(try row.decode(Double.self, forColumn: "started_at")),
            updatedAt: SQLDate.decode(try row.decode(Double.self, forColumn: "updated_at")),
            stepCount: try row.decode(forColumn: "step_count"),
            nextStep: try row.decode(forColumn: "next_step"),
            listShortcut: try row.decode(forColumn: "list_shortcut"),
            data: try Self.decodeJSON([String: JSONValue].self, row, "data"),
            expiresAt: SQLDate.decodeIfPresent(try row.decode(Double?.self, forColumn: "expires_at")),
            endReason: try row.decode(forColumn: "end_reason"),
            endedBy: try row.decode(forColumn: "ended_by"),
            revision: try row.decode(forColumn: "revision")
        )
        seq = try row.decode(forColumn: "seq")
    }

    /// The values of `columns`, in order, for a conversation as it is to be stored.
    static func values(_ c: Conversation) throws -> [(any DatabaseValueConvertible)?] {
        [
            c.id, c.connector, c.address.description, c.username, c.contactID, c.responder, c.status.rawValue,
            SQLDate.encode(c.startedAt), SQLDate.encode(c.updatedAt), c.stepCount,
            c.nextStep, c.listShortcut, try encodeJSON(c.data), SQLDate.encodeIfPresent(c.expiresAt), c.endReason, c.endedBy,
            c.revision,
        ]
    }

    var cursor: ConversationCursor { ConversationCursor(time: SQLDate.encode(conversation.startedAt), seq: seq) }

    private static func encodeJSON(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func decodeJSON<T: Decodable>(_ type: T.Type, _ row: Row, _ column: String) throws -> T {
        let json: String = try row.decode(forColumn: column)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do { return try decoder.decode(type, from: Data(json.utf8)) } catch {
            throw StoredValueError(table: databaseTableName, column: column, value: String(json.prefix(100)))
        }
    }
}

/// A row of `conversation_messages`: one transcript entry, appended by the turn that said or
/// heard it and never rewritten; `(conversation_id, seq)` is its key.
enum ConversationEntryRow {
    static let insertSQL = """
        INSERT INTO conversation_messages (conversation_id, seq, direction, text, message_id, step, at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """
    static let selectSQL = """
        SELECT seq, direction, text, message_id, step, at FROM conversation_messages
        WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?
        """

    static func arguments(_ entry: ConversationEntry, conversationID: String, seq: Int) -> StatementArguments {
        [conversationID, seq, entry.direction.rawValue, entry.text, entry.messageID, entry.step, SQLDate.encode(entry.at)]
    }

    static func entry(_ row: Row) throws -> ConversationEntry {
        ConversationEntry(
            direction: try row.decodeEnum(ConversationEntry.Direction.self, forColumn: "direction", table: "conversation_messages"),
            text: try row.decode(forColumn: "text"),
            at: SQLDate.decode(try row.decode(Double.self, forColumn: "at")),
            messageID: try row.decode(forColumn: "message_id"),
            step: try row.decode(forColumn: "step"),
            seq: try row.decode(forColumn: "seq")
        )
    }
}

extension SignOutDeadline {
    /// A row of `conversation_signouts`.
    init(row: Row) throws {
        self.init(
            connector: try row.decode(forColumn: "connector"),
            address: try row.decodeAddress(forColumn: "address", table: "conversation_signouts"),
            dueAt: SQLDate.decode(try row.decode(Double.self, forColumn: "due_at"))
        )
    }
}
