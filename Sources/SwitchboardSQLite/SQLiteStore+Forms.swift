import Foundation
import GRDB
import SwitchboardCore

// Form submissions (`form_submissions`, migration v3-forms), and delivery-report notes, which
// are rows of the queue's `status_changes` that leave the status as it was.
extension SQLiteStore {
    package func recordSubmission(_ submission: FormSubmission) async throws {
        let row = FormSubmissionRow(submission)
        let constraintError: (DatabaseError) -> SwitchboardError? = { error in
            if error.isForeignKeyViolation {
                return .notFound("unknown_message", "no message with id \(submission.messageID)")
            }
            return error.isDuplicate
                ? .conflict("form_submission_exists", "submission \(submission.id) or one for message \(submission.messageID) already exists")
                : nil
        }
        try await write(mapConstraint: constraintError) { db in try row.insert(db) }
    }

    package func formSubmission(id: String, viewer: FormViewer) async throws -> FormSubmission? {
        try await read { db in
            try Self.visible(FormSubmissionRow.filter(Column("id") == id), to: viewer).fetchOne(db)?.submission
        }
    }

    package func formSubmission(messageID: String, viewer: FormViewer) async throws -> FormSubmission? {
        try await read { db in
            try Self.visible(FormSubmissionRow.filter(Column("message_id") == messageID), to: viewer).fetchOne(db)?.submission
        }
    }

    /// Narrows a request to what `viewer` may see: for a user, submissions whose message has an
    /// inbox item in the common inbox or theirs (`inbox_items_message` finds the items).
    static func visible(_ request: QueryInterfaceRequest<FormSubmissionRow>, to viewer: FormViewer) -> QueryInterfaceRequest<FormSubmissionRow> {
        guard case .user(let username) = viewer else { return request }
        return request.filter(
            literal: """
                EXISTS (SELECT 1 FROM inbox_items i WHERE i.message_id = form_submissions.message_id
                        AND (i.owner IS NULL OR i.owner = \(username)))
                """
        )
    }

    /// Newest first by `seq`; the cursor is the last item's `seq`, so a page never repeats or
    /// skips a submission recorded meanwhile. One form's are a range scan of `form_submissions_form`.
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
        return try await read { [before] db in
            var request = Self.visible(FormSubmissionRow.all(), to: query.viewer)
            if let formID = query.formID { request = request.filter(Column("form_id") == formID) }
            if let before { request = request.filter(Column("seq") < before) }
            // One row more than asked tells whether another page exists.
            let rows = try request.order(Column("seq").desc).limit(limit + 1).fetchAll(db)
            let page = rows.prefix(limit)
            let next = rows.count > limit ? page.last.map { String($0.seq ?? 0) } : nil
            return FormPage(items: page.map(\.submission), nextCursor: next)
        }
    }

    package func noteStatus(deliveryID: String, ifStatus status: DeliveryStatus, reason: String, by actor: String, now: Date) async throws -> Delivery
    {
        try await write { db in
            guard let row = try DeliveryRow.fetchOne(db, key: deliveryID) else {
                throw SwitchboardError.notFound("unknown_delivery", "no delivery with id \(deliveryID)")
            }
            guard row.delivery.status == status else { return row.delivery }
            try StatusChangeRow(StatusChange(deliveryID: deliveryID, from: status, to: status, reason: reason, actor: actor, at: now)).insert(db)
            return row.delivery
        }
    }
}

/// A row of `form_submissions`; `seq` is SQLite's, set on insert and used only for order and paging.
struct FormSubmissionRow: FetchableRecord, PersistableRecord {
    static let databaseTableName = "form_submissions"
    var submission: FormSubmission
    var seq: Int64?

    init(_ submission: FormSubmission) { self.submission = submission }

    init(row: Row) throws {
        let json: String = try row.decode(forColumn: "fields")
        let fields: [FormField]
        do { fields = try JSONDecoder().decode([FormField].self, from: Data(json.utf8)) } catch {
            throw StoredValueError(table: Self.databaseTableName, column: "fields", value: String(json.prefix(100)))
        }
        submission = FormSubmission(
            id: try row.decode(forColumn: "id"),
            messageID: try row.decode(forColumn: "message_id"),
            formID: try row.decode(forColumn: "form_id"),
            version: try row.decode(forColumn: "version"),
            fields: fields,
            error: try row.decode(forColumn: "error"),
            receivedAt: SQLDate.decode(try row.decode(Double.self, forColumn: "received_at"))
        )
        seq = try row.decode(forColumn: "seq")
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["id"] = submission.id
        container["message_id"] = submission.messageID
        container["form_id"] = submission.formID
        container["version"] = submission.version
        container["fields"] = String(decoding: try JSONEncoder().encode(submission.fields), as: UTF8.self)
        container["error"] = submission.error
        container["received_at"] = SQLDate.encode(submission.receivedAt)
    }
}
