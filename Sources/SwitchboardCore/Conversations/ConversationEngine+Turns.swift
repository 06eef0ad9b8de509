import Foundation
import Logging

// Turns that run a responder's step: starting a conversation and answering the next step.
extension ConversationEngine {
    /// Starts `responder` for the party, ending `replacing` (the ongoing one) in the same turn.
    func start(_ responder: any Responder, _ party: Party, replacing old: Conversation?, draft: TurnDraft? = nil) async throws -> TurnDraft {
        var draft = draft ?? TurnDraft(routing: party.message.id)
        let time = now()
        if var ended = old {
            let revision = ended.revision
            ended.finish(.aborted, reason: "replaced by \(responder.name)", by: "party", at: time)
            draft.write(ended, expected: revision)
        }
        let who = try await identify(party.address)
        let conversation = Conversation(
            connector: party.connector,
            address: party.address,
            username: who.username,
            contactID: who.contactID,
            responder: responder.name,
            startedAt: time,
            nextStep: responder.firstStep
        )
        try await runStep(responder.firstStep, of: responder, conversation, party, expected: nil, into: &draft)
        return draft
    }

    /// The party's next message in `ongoing`: its next step runs.
    func answer(_ ongoing: Conversation, _ party: Party) async throws -> TurnDraft {
        var draft = TurnDraft(routing: party.message.id)
        var conversation = ongoing
        guard let responder = responders[ongoing.responder], let step = ongoing.nextStep else {
            // The configuration no longer has its responder: end it rather than hold the party.
            var entries = [Self.entry(party)]
            let notice = "This conversation (\(ongoing.responder)) is no longer available and has ended."
            conversation.finish(.aborted, reason: "responder \(ongoing.responder) is not configured", by: "hub", at: now())
            if let entry = try await reply(notice, party, into: &draft) { entries.append(entry) }
            draft.write(conversation, expected: ongoing.revision, appending: entries)
            return draft
        }
        try await runStep(step, of: responder, conversation, party, expected: ongoing.revision, into: &draft)
        return draft
    }

    /// Runs one step for the party's message and adds its outcome, replies and effects to
    /// `draft`, the message and the replies appended to the transcript. A step that throws
    /// changes nothing; the party is asked to send the answer again.
    func runStep(
        _ step: String,
        of responder: any Responder,
        _ conversation: Conversation,
        _ party: Party,
        expected revision: Int?,
        into draft: inout TurnDraft
    ) async throws {
        let session = ConversationSession(conversation: conversation, text: party.message.text, receivedAt: party.message.createdAt, replyOnly: false)
        do {
            try await responder.run(step: step, session: session, replyOnly: false)
        } catch {
            logger.error(
                "conversation step failed",
                metadata: party.metadata.merging(["responder": "\(responder.name)", "step": "\(step)", "error": "\(error)"]) { a, _ in a }
            )
            let prefix = settings.commandPrefix(for: party.connector)
            _ = try await reply("Sorry, that could not be handled. Send it again, or \(prefix)abort to stop.", party, into: &draft)
            return
        }
        let time = now()
        var updated = session.conversation
        updated.stepCount += 1
        updated.updatedAt = time
        var entries = [Self.entry(party, step: step)]
        switch session.outcome {
        case .stay: break
        case .next(let next): updated.nextStep = next
        case .complete: updated.finish(.complete, reason: "completed", by: "party", at: time)
        case .abort(let reason): updated.finish(.aborted, reason: reason, by: "hub", at: time)
        }
        if updated.status == .ongoing { updated.expiresAt = idleDeadline(responder, from: time) }
        for text in session.replies {
            if let entry = try await reply(text, party, into: &draft) { entries.append(entry) }
        }
        for effect in session.effects {
            try await perform(effect, conversation: updated, step: step, party, into: &draft)
        }
        draft.write(updated, expected: revision, appending: entries)
    }

    /// Adds what a step asked for to the turn: a send, the turn's form, a topic row.
    func perform(_ effect: ConversationEffect, conversation: Conversation, step: String, _ party: Party, into draft: inout TurnDraft) async throws {
        switch effect {
        case .send(let request):
            draft.sent += 1
            if let submission = try await submission(request, party.connector, key: "inbound:\(party.message.id):\(draft.sent)", replyVia: nil) {
                draft.replies.append(submission)
            }
        case .form(let formID, let fields):
            guard draft.form == nil else {
                logger.warning("a conversation step stored a second form in one turn; only the first is kept", metadata: party.metadata)
                return
            }
            draft.form = FormSubmission(
                messageID: party.message.id,
                formID: formID,
                fields: fields.map { FormField(path: $0.path, value: $0.value) },
                receivedAt: party.message.createdAt
            )
        case .topicRow(let topic, let values):
            let rowID = "\(conversation.id)-\(step)-\(conversation.stepCount)-\(draft.topicPosts.count + 1)"
            draft.topicPosts.append(TurnDraft.TopicPost(topic: topic, rowID: rowID, values: values))
        }
    }

    /// Adds a reply to the party to `draft` (pinned to the connector the message came in on,
    /// keyed by the message and its place) and returns its transcript entry; `nil` when the
    /// reply cannot be sent (logged).
    func reply(_ text: String, _ party: Party, into draft: inout TurnDraft) async throws -> ConversationEntry? {
        draft.sent += 1
        return try await reply(text, connector: party.connector, to: party.address, key: "inbound:\(party.message.id):\(draft.sent)", into: &draft)
    }

    /// Adds a message to one party to `draft` under idempotency key `key`.
    func reply(_ text: String, connector: String, to address: Address, key: String, into draft: inout TurnDraft) async throws -> ConversationEntry? {
        let request = SendRequest(to: [address.description], text: text)
        guard let submission = try await submission(request, connector, key: key, replyVia: connector) else { return nil }
        draft.replies.append(submission)
        return ConversationEntry(direction: .outbound, text: text, at: now(), messageID: submission.message.id)
    }

    /// The outbox submission of `request`; `nil` (logged) when the hub refuses it as invalid,
    /// so a step's bad message does not keep the party's answer from committing.
    func submission(_ request: SendRequest, _ connector: String, key: String, replyVia: String?) async throws -> Submission? {
        do {
            return try await prepare(request, "connector:\(connector)", key, replyVia)
        } catch let error as SwitchboardError where error.kind == .invalid {
            logger.warning("a conversation message was refused and is not sent", metadata: ["connector": "\(connector)", "error": "\(error)"])
            return nil
        }
    }

    /// The transcript entry of the party's message, with the step that ran on it.
    static func entry(_ party: Party, step: String? = nil) -> ConversationEntry {
        ConversationEntry(direction: .inbound, text: party.message.text, at: party.message.createdAt, messageID: party.message.id, step: step)
    }
}
