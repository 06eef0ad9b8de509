import Foundation

/// Form submissions parsed from inbound messages (see `FormSubmissionHandler`).
///
/// A store of its own rather than a column of the message: a form is listed and paged by
/// form id, and a message store that knows nothing of forms stays simple.
package protocol FormStore: Sendable {
    /// Commits a submission. Throws `notFound/unknown_message` if its message is not stored,
    /// `conflict/form_submission_exists` if its id or its message already has one.
    func recordSubmission(_ submission: FormSubmission) async throws
    /// The submission with this id, if `viewer` may see it (see `FormViewer`).
    func formSubmission(id: String, viewer: FormViewer) async throws -> FormSubmission?
    /// The submission made from one message, if any and if `viewer` may see it.
    func formSubmission(messageID: String, viewer: FormViewer) async throws -> FormSubmission?
    /// Newest first (in the order recorded), only what `query.viewer` may see. An unreadable
    /// cursor throws `invalid/invalid_cursor`.
    func formSubmissions(_ query: FormQuery) async throws -> FormPage
}
