import Foundation
import Logging
import PostgresNIO
import SwitchboardCore

/// Form submissions (`form_submissions`, migration 12), as `SQLiteStore+Forms` keeps them:
/// one per message, seen where the message is, listed newest first by `seq`, below the
/// horizon of what is visible (`PostgresListOrder`).
extension PostgresStore: FormStore {
    package func recordSubmission(_ submission: FormSubmission) async throws {
        try await client.withConnection { connection in try await Self.insertSubmission(submission, on: connection, logger: logger) }
    }

    /// Inserts a submission on `connection` (alone it commits by itself; in a conversation's
    /// turn, with the turn). Its `seq` is taken under the forms' writer lock, held to COMMIT,
    /// so a page read waits for it rather than show a later `seq` first (`PostgresListOrder`).
    static func insertSubmission(_ submission: FormSubmission, on connection: PostgresConnection, logger: Logger) async throws {
        let fields = String(decoding: try JSONEncoder().encode(submission.fields), as: UTF8.self)
        do {
            try await connection.execute(
                """
                WITH ordered AS MATERIALIZED (\(unescaped: PostgresListOrder.formSubmissions.writerLock))
                INSERT INTO form_submissions (id, message_id, form_id, version, fields, error, received_at)
                SELECT \(submission.id), \(submission.messageID), \(submission.formID), \(submission.version), \(fields),
                       \(submission.error), \(submission.receivedAt)
                FROM ordered
                """,
                logger: logger
            )
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23503" {
            throw SwitchboardError.notFound("unknown_message", "no message with id \(submission.messageID)")
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw SwitchboardError.conflict(
                "form_submission_exists",
                "submission \(submission.id) or one for message \(submission.messageID) already exists"
            )
        }
    }

    package func formSubmission(id: String, viewer: FormViewer) async throws -> FormSubmission? {
        var builder = QueryBuilder()
        let sql = "SELECT * FROM form_submissions f WHERE f.id = \(builder.bind(id)) AND \(Self.visible(to: viewer, &builder))"
        return try await rows(builder.query(sql)).first.map(Self.submission)
    }

    package func formSubmission(messageID: String, viewer: FormViewer) async throws -> FormSubmission? {
        var builder = QueryBuilder()
        let sql = "SELECT * FROM form_submissions f WHERE f.message_id = \(builder.bind(messageID)) AND \(Self.visible(to: viewer, &builder))"
        return try await rows(builder.query(sql)).first.map(Self.submission)
    }

    /// Newest first by `seq`; the cursor is the last item's `seq`.
    package func formSubmissions(_ query: FormQuery) async throws -> FormPage {
        let limit = max(query.limit, 0)
        var before: Int64?
        if let cursor = query.cursor {
            guard let seq = Int64(cursor), seq > 0 else {
                throw SwitchboardError.invalid("invalid_cursor", "cursor '\(cursor)' is not a next_cursor from an earlier page")
            }
            before = seq
        }
        guard limit > 0 else { return FormPage(items: [], nextCursor: nil) }
        let horizon = try await listHorizon(.formSubmissions)
        var builder = QueryBuilder()
        var conditions = [Self.visible(to: query.viewer, &builder), "f.seq <= \(builder.bind(horizon))"]
        if let formID = query.formID { conditions.append("f.form_id = \(builder.bind(formID))") }
        if let before { conditions.append("f.seq < \(builder.bind(before))") }
        // One row more than asked tells whether another page exists.
        let sql = """
            SELECT * FROM form_submissions f WHERE \(conditions.joined(separator: " AND "))
            ORDER BY f.seq DESC LIMIT \(builder.bind(Int64(limit + 1)))
            """
        let rows = try await rows(builder.query(sql))
        let page = rows.prefix(limit)
        let next = rows.count > limit ? try page.last.map { String(try $0["seq"].decode(Int64.self)) } : nil
        return FormPage(items: try page.map(Self.submission), nextCursor: next)
    }

    /// What `viewer` may see, over `form_submissions f`: for a user, submissions whose message
    /// has an inbox item in the common inbox or theirs.
    private static func visible(to viewer: FormViewer, _ builder: inout QueryBuilder) -> String {
        guard case .user(let username) = viewer else { return "TRUE" }
        return """
            EXISTS (SELECT 1 FROM inbox_items i WHERE i.message_id = f.message_id
                    AND (i.owner IS NULL OR i.owner = \(builder.bind(username))))
            """
    }

    private static func submission(_ row: PostgresRandomAccessRow) throws -> FormSubmission {
        let json = try row["fields"].decode(String.self)
        let fields: [FormField]
        do { fields = try JSONDecoder().decode([FormField].self, from: Data(json.utf8)) } catch {
            throw PostgresStoreError.unreadable(table: "form_submissions", column: "fields", value: String(json.prefix(100)))
        }
        return FormSubmission(
            id: try row["id"].decode(String.self),
            messageID: try row["message_id"].decode(String.self),
            formID: try row["form_id"].decode(String?.self),
            version: try row["version"].decode(String?.self),
            fields: fields,
            error: try row["error"].decode(String?.self),
            receivedAt: try row["received_at"].decode(Date.self)
        )
    }
}
