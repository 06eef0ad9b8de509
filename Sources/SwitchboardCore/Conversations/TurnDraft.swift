import Foundation

/// A turn being put together: what `ConversationStore.commitTurn` will commit in one
/// transaction, and the topic rows to post once it has.
struct TurnDraft: Sendable {
    /// A row a step asked to post; `rowID` comes from the conversation and the step's place,
    /// so posting it again after a crash replaces rather than adds.
    struct TopicPost: Sendable, Equatable {
        var topic: String
        var rowID: String
        var values: [String: JSONValue]
    }

    var writes: [ConversationWrite] = []
    var replies: [Submission] = []
    var form: FormSubmission?
    var topicPosts: [TopicPost] = []
    /// The inbound message this turn answers (its unrouted mark goes with the commit).
    var routedMessageID: String?
    var clearsSignOut: SignOutDeadline?
    /// Messages made so far: numbers their idempotency keys.
    var sent = 0

    init(routing messageID: String? = nil) {
        self.routedMessageID = messageID
    }

    /// Writes `conversation` (checked against `revision`) and appends `entries` to its transcript.
    mutating func write(_ conversation: Conversation, expected revision: Int?, appending entries: [ConversationEntry] = []) {
        writes.append(ConversationWrite(conversation: conversation, expectedRevision: revision, appending: entries))
    }

    var turn: ConversationTurn {
        ConversationTurn(writes: writes, replies: replies, form: form, routedMessageID: routedMessageID, clearsSignOut: clearsSignOut)
    }
}

extension Conversation {
    /// Ends the dialogue: nothing runs for it any more and it has no deadline.
    mutating func finish(_ status: ConversationStatus, reason: String, by who: String, at date: Date) {
        self.status = status
        nextStep = nil
        expiresAt = nil
        endReason = reason
        endedBy = who
        updatedAt = date
    }
}
