import Foundation
import Hummingbird
import SwitchboardCore

// XForms submissions that arrived as messages (see `FormSubmissionHandler`). A submission is
// seen where its message is: a plain user sees those whose message is in the common inbox or
// their own (another user's is "not found", as the inbox item is); an admin, who may read every
// message through `/messages/{id}`, sees them all.

extension APIEnvironment {
    static let formPageLimit = 1...200

    func addFormRoutes(to api: RouterGroup<Context>) {
        api.get("/forms") { request, context in try await listForms(request, context) }
        api.get("/forms/{id}") { request, context in try await formSubmission(request, context) }
    }

    /// Newest first; `form_id` narrows to one form, `message_id` finds the submission made
    /// from one inbound message (at most one).
    func listForms(_ request: Request, _ context: Context) async throws -> Response {
        let viewer = try Self.formViewer(context)
        let query = try QueryParameters(request, allowed: ["form_id", "message_id", "limit", "cursor"])
        let limit = try query.int("limit", in: Self.formPageLimit) ?? 50
        if let messageID = query.string("message_id") {
            let found = try await store.formSubmission(messageID: messageID, viewer: viewer)
            let matches = found.map { query.string("form_id") == nil || $0.formID == query.string("form_id") } ?? false
            return try .json(FormPageView(items: matches ? [FormSubmissionView(found!)] : [], nextCursor: nil))
        }
        let page: FormPage
        do {
            page = try await store.formSubmissions(
                FormQuery(viewer: viewer, formID: query.string("form_id"), limit: limit, cursor: query.string("cursor"))
            )
        } catch let error as SwitchboardError where error.kind == .invalid {
            throw APIError.badRequest("invalid_parameter", "query parameter 'cursor' must be a 'next_cursor' from an earlier page")
        }
        return try .json(FormPageView(items: page.items.map(FormSubmissionView.init), nextCursor: page.nextCursor))
    }

    func formSubmission(_ request: Request, _ context: Context) async throws -> Response {
        let viewer = try Self.formViewer(context)
        _ = try QueryParameters(request, allowed: [])
        let id = try context.parameters.require("id")
        guard let submission = try await store.formSubmission(id: id, viewer: viewer) else {
            throw APIError.notFound("form_submission_not_found", "no form submission with id '\(id)'")
        }
        return try .json(FormSubmissionView(submission))
    }

    /// Whose eyes the caller reads forms with: an admin's see every submission, a user's only
    /// what their inbox shows.
    static func formViewer(_ context: Context) throws -> FormViewer {
        let user = try context.requireUser()
        return user.role == .admin ? .unrestricted : .user(user.username)
    }
}
