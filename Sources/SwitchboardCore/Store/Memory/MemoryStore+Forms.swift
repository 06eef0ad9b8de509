import Foundation

// Form submissions, paged by their order of recording, and delivery-report notes, which are
// status changes that leave the status as it was.
extension MemoryStore: FormStore, DeliveryReportStore {
    package func recordSubmission(_ submission: FormSubmission) async throws {
        try withState { state in try state.record(form: submission) }
    }

    package func formSubmission(id: String, viewer: FormViewer) async throws -> FormSubmission? {
        try withState { state in
            state.formSeqByID[id].flatMap { state.formsBySeq[$0] }.flatMap { state.isVisible($0, to: viewer) ? $0 : nil }
        }
    }

    package func formSubmission(messageID: String, viewer: FormViewer) async throws -> FormSubmission? {
        try withState { state in
            state.formSeqByMessage[messageID].flatMap { state.formsBySeq[$0] }.flatMap { state.isVisible($0, to: viewer) ? $0 : nil }
        }
    }

    /// Newest first by the order recorded; the cursor is the last item's place in that order,
    /// so a page never repeats or skips a submission recorded meanwhile.
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
        return try withState { [before] state in
            let seqs = state.formsBySeq.compactMap { seq, submission -> Int64? in
                guard query.formID == nil || submission.formID == query.formID, before.map({ seq < $0 }) ?? true,
                    state.isVisible(submission, to: query.viewer)
                else { return nil }
                return seq
            }.sorted(by: >)
            let page = seqs.prefix(limit)
            return FormPage(
                items: page.compactMap { state.formsBySeq[$0] },
                nextCursor: seqs.count > limit ? page.last.map { String($0) } : nil
            )
        }
    }

    package func noteStatus(deliveryID: String, ifStatus status: DeliveryStatus, reason: String, by actor: String, now: Date) async throws -> Delivery
    {
        try withState { state in
            let stored = try state.storedDelivery(deliveryID)
            guard stored.delivery.status == status else { return stored.delivery }
            state.statusChanges[deliveryID, default: []].append(
                StatusChange(deliveryID: deliveryID, from: status, to: status, reason: reason, actor: actor, at: now)
            )
            return stored.delivery
        }
    }
}

extension MemoryStore.State {
    /// Stores a form submission, checked whole before anything is written (a turn's form
    /// goes the same way).
    mutating func record(form submission: FormSubmission) throws {
        guard formSeqByID[submission.id] == nil, formSeqByMessage[submission.messageID] == nil else {
            throw SwitchboardError.conflict(
                "form_submission_exists",
                "submission \(submission.id) or one for message \(submission.messageID) already exists"
            )
        }
        guard messages[submission.messageID] != nil else {
            throw SwitchboardError.notFound("unknown_message", "no message with id \(submission.messageID)")
        }
        let seq = nextFormSeq
        nextFormSeq += 1
        formsBySeq[seq] = submission
        formSeqByID[submission.id] = seq
        formSeqByMessage[submission.messageID] = seq
    }

    /// A user sees a submission whose message has an item in the common inbox or theirs.
    func isVisible(_ submission: FormSubmission, to viewer: FormViewer) -> Bool {
        guard case .user(let username) = viewer else { return true }
        return inboxItems.values.contains { $0.messageID == submission.messageID && ($0.owner == nil || $0.owner == username) }
    }
}
