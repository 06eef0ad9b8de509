import Foundation
import Hummingbird
import SwitchboardCore

// XForms submissions that arrived as messages (see `FormSubmissionHandler`). Open to every
// logged-in user, like the common inbox the messages themselves land in.

/// One answer; a list of these keeps the form's question order, which a JSON object would not.
struct FormFieldView: Encodable {
    var path: String
    var value: String
}

/// A submission; `error` is set (and `fields` empty) when the text looked like a form but did not parse.
struct FormSubmissionView: Encodable {
    var id: String
    var messageId: String
    @ExplicitNull var formId: String?
    @ExplicitNull var version: String?
    var fields: [FormFieldView]
    @ExplicitNull var error: String?
    var receivedAt: Date

    init(_ f: FormSubmission) {
        id = f.id
        messageId = f.messageID
        formId = f.formID
        version = f.version
        fields = f.fields.map { FormFieldView(path: $0.path, value: $0.value) }
        error = f.error
        receivedAt = f.receivedAt
    }
}

/// A page of submissions, newest first; pass `next_cursor` as `cursor` for the next one.
struct FormPageView: Encodable {
    var items: [FormSubmissionView]
    @ExplicitNull var nextCursor: String?
}

extension APIEnvironment {
    static let formPageLimit = 1...200

    func addFormRoutes(to api: RouterGroup<Context>) {
        api.get("/forms") { request, context in try await listForms(request, context) }
        api.get("/forms/{id}") { request, context in try await formSubmission(request, context) }
    }

    /// Newest first; `form_id` narrows to one form, `message_id` finds the submission made
    /// from one inbound message (at most one).
    func listForms(_ request: Request, _ context: Context) async throws -> Response {
        _ = try context.requireUser()
        let query = try QueryParameters(request, allowed: ["form_id", "message_id", "limit", "cursor"])
        let limit = try query.int("limit", in: Self.formPageLimit) ?? 50
        if let messageID = query.string("message_id") {
            let found = try await store.formSubmission(messageID: messageID)
            let matches = found.map { query.string("form_id") == nil || $0.formID == query.string("form_id") } ?? false
            return try .json(FormPageView(items: matches ? [FormSubmissionView(found!)] : [], nextCursor: nil))
        }
        let page: FormPage
        do {
            page = try await store.formSubmissions(FormQuery(formID: query.string("form_id"), limit: limit, cursor: query.string("cursor")))
        } catch let error as SwitchboardError where error.kind == .invalid {
            throw APIError.badRequest("invalid_parameter", "query parameter 'cursor' must be a 'next_cursor' from an earlier page")
        }
        return try .json(FormPageView(items: page.items.map(FormSubmissionView.init), nextCursor: page.nextCursor))
    }

    func formSubmission(_ request: Request, _ context: Context) async throws -> Response {
        _ = try context.requireUser()
        _ = try QueryParameters(request, allowed: [])
        let id = try context.parameters.require("id")
        guard let submission = try await store.formSubmission(id: id) else {
            throw APIError.notFound("form_submission_not_found", "no form submission with id '\(id)'")
        }
        return try .json(FormSubmissionView(submission))
    }
}
