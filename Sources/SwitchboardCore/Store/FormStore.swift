import Foundation

/// Form submissions parsed from inbound messages (see `FormSubmissionHandler`).
///
/// A store of its own rather than a column of the message: a form is listed and paged by
/// form id, and a message store that knows nothing of forms stays simple.
public protocol FormStore: Sendable {
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

/// Delivery reports that do not move a delivery (the gateway buffered it, the SMSC took it)
/// are still worth keeping: they show how far a message got when someone asks why it has
/// not arrived.
public protocol DeliveryReportStore: Sendable {
    /// Adds `reason` to the delivery's status history without changing its status: a
    /// `StatusChange` whose `from` and `to` are both `status`, if the delivery is still in
    /// `status` (checked in the same transaction, so a report that lost a race to a final one
    /// records nothing). Returns the delivery as it is; `notFound/unknown_delivery` for an unknown id.
    func noteStatus(deliveryID: String, ifStatus status: DeliveryStatus, reason: String, by actor: String, now: Date) async throws -> Delivery
}
