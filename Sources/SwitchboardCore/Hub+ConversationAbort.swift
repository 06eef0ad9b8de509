import Foundation

// An operator ends a conversation (`POST /api/v1/conversations/{id}/abort`): someone stuck in
// a dialogue is freed, the reason kept with who gave it, the party told on the connector they
// write on.
extension Hub {
    /// The notice the party gets when an operator ends their conversation. The operator's
    /// reason is for the record, not for the party: it may name people or problems.
    package static func abortNotice(responder: String) -> String {
        "Your conversation (\(responder)) was ended by an operator. Send a new message to start again."
    }

    /// Marks an ongoing conversation `aborted` (`endReason` = `reason`, `endedBy` = `username`)
    /// and queues the notice in the same turn, pinned to the conversation's connector. A turn
    /// of the party's that commits first is not overwritten: the abort reads again and ends the
    /// conversation as it then is. If the party cannot be reached (no route for their channel)
    /// the conversation is still ended, without a notice.
    ///
    /// Throws `notFound/conversation_not_found`, or `conflict/conversation_finished` when it has
    /// already ended.
    package func abortConversation(id: String, reason: String, by username: String, now: Date = Date()) async throws -> Conversation {
        for _ in 0..<5 {
            guard let current = try await store.conversation(id: id) else {
                throw SwitchboardError.notFound("conversation_not_found", "no conversation with id '\(id)'")
            }
            guard current.status == .ongoing else {
                throw SwitchboardError.conflict("conversation_finished", "conversation \(id) is already \(current.status.rawValue)")
            }
            var ended = current
            ended.status = .aborted
            ended.endReason = reason
            ended.endedBy = username
            ended.nextStep = nil
            ended.updatedAt = now
            var replies: [Submission] = []
            if let notice = try await noticeSubmission(for: current) {
                ended.transcript.append(ConversationEntry(direction: .outbound, text: notice.message.text, at: now, messageID: notice.message.id))
                replies.append(notice)
            }
            do {
                let acceptances = try await store.commitTurn(
                    ConversationTurn(writes: [ConversationWrite(conversation: ended, expectedRevision: current.revision)], replies: replies)
                )
                accepted(acceptances)
                ended.revision = current.revision + 1
                logger.info(
                    "conversation aborted by an operator",
                    metadata: ["conversation": "\(id)", "responder": "\(current.responder)", "by": "\(username)"]
                )
                return ended
            } catch let error as SwitchboardError where error.code == "conversation_changed" {
                continue  // the party's turn committed first: read it again
            }
        }
        throw SwitchboardError(.unavailable, code: "conversation_busy", "conversation \(id) kept changing; try again")
    }

    /// The notice as a reply of the conversation's connector, or `nil` when the party's
    /// address has no route (the abort goes ahead without it).
    private func noticeSubmission(for conversation: Conversation) async throws -> Submission? {
        let request = SendRequest(to: [conversation.address.description], text: Self.abortNotice(responder: conversation.responder))
        do {
            return try await prepare(request, sender: "connector:\(conversation.connector)", idempotencyKey: nil, replyVia: conversation.connector)
        } catch let error as SwitchboardError where error.kind == .invalid {
            logger.warning(
                "the abort notice cannot be sent; the conversation is ended without it",
                metadata: ["conversation": "\(conversation.id)", "reason": "\(error.message)"]
            )
            return nil
        }
    }
}
