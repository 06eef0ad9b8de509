import Foundation
import SwitchboardCore

/// Form submissions and delivery-report notes, forwarded. `ignoreCursor` applies to form
/// pages as to inbox pages, `swallowFinishErrors` (no transition checks) to the note's status
/// check; the queue's `forgetHistory` already hides notes (they are status changes), so no
/// new faults are needed to prove the form checks can fail, but for `showsEveryForm`, which
/// ignores who is asking.
extension MisbehavingStore {
    func recordSubmission(_ submission: FormSubmission) async throws { try await base.recordSubmission(submission) }
    func formSubmission(id: String, viewer: FormViewer) async throws -> FormSubmission? {
        try await base.formSubmission(id: id, viewer: fault == .showsEveryForm ? .unrestricted : viewer)
    }
    func formSubmission(messageID: String, viewer: FormViewer) async throws -> FormSubmission? {
        try await base.formSubmission(messageID: messageID, viewer: fault == .showsEveryForm ? .unrestricted : viewer)
    }
    func formSubmissions(_ query: FormQuery) async throws -> FormPage {
        var query = query
        if fault == .ignoreCursor { query.cursor = nil }
        if fault == .showsEveryForm { query.viewer = .unrestricted }
        return try await base.formSubmissions(query)
    }
    func noteStatus(deliveryID: String, ifStatus status: DeliveryStatus, reason: String, by actor: String, now: Date) async throws -> Delivery {
        var status = status
        // Skipping the status check, as a store without one would: the note is always recorded.
        if fault == .swallowFinishErrors, let current = try await base.delivery(id: deliveryID)?.status { status = current }
        return try await base.noteStatus(deliveryID: deliveryID, ifStatus: status, reason: reason, by: actor, now: now)
    }
}
