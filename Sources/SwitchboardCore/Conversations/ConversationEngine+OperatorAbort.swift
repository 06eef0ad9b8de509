import Foundation
import Logging

// An operator ends a conversation (`POST /api/v1/conversations/{id}/abort`, the web page's
// form): a turn of the engine like any other, taken under the party's connection lock and
// committed on the same path, so it cannot interleave with a turn of the party's.
extension ConversationEngine {
    /// The notice the party gets when an operator ends their conversation. The operator's
    /// reason is for the record, not for the party: it may name people or problems.
    package static func abortNotice(responder: String) -> String {
        "Your conversation (\(responder)) was ended by an operator. Send a new message to start again."
    }

    /// Marks an ongoing conversation `aborted` (`endReason` = `reason`, `endedBy` = `username`)
    /// and queues the notice in the same turn, pinned to the conversation's connector. It waits
    /// for a turn of the party's that is under way and then ends the conversation as that turn
    /// left it. If the party cannot be reached (no route for their channel) the conversation is
    /// still ended, without a notice.
    ///
    /// Throws `notFound/conversation_not_found`, or `conflict/conversation_finished` when it has
    /// already ended.
    package func abortByOperator(id: String, reason: String, by username: String, now: Date) async throws -> Conversation {
        guard let found = try await store.conversation(id: id) else { throw Self.notFound(id) }
        let key = PartyKey(connector: found.connector, address: found.address)
        return try await locks.withLock(key) {
            // Under the lock only another process can commit first; read again and redo then.
            for _ in 0..<Self.maxAttempts {
                guard let current = try await self.store.conversation(id: id) else { throw Self.notFound(id) }
                guard current.status == .ongoing else {
                    throw SwitchboardError.conflict("conversation_finished", "conversation \(id) is already \(current.status.rawValue)")
                }
                var ended = current
                ended.finish(.aborted, reason: reason, by: username, at: now)
                var draft = TurnDraft()
                let notice = Self.abortNotice(responder: current.responder)
                let entry = try await self.reply(
                    notice,
                    connector: current.connector,
                    to: current.address,
                    key: "conversation:\(id):operator-abort",
                    into: &draft
                )
                draft.write(ended, expected: current.revision, appending: entry.map { [$0] } ?? [])
                do {
                    try await self.commit(draft)
                } catch let error as SwitchboardError where error.code == "conversation_changed" {
                    continue
                }
                ended.revision = current.revision + 1
                self.logger.info(
                    "conversation aborted by an operator",
                    metadata: ["conversation": "\(id)", "responder": "\(current.responder)", "by": "\(username)"]
                )
                return ended
            }
            throw SwitchboardError(.unavailable, code: "conversation_busy", "conversation \(id) kept changing; try again")
        }
    }

    private static func notFound(_ id: String) -> SwitchboardError {
        SwitchboardError.notFound("conversation_not_found", "no conversation with id '\(id)'")
    }
}
