import Foundation

// The refusals of `ConversationStore.commitTurn`, worded once so every store gives the same.
extension SwitchboardError {
    /// A write's `expectedRevision` is not the stored revision, or the conversation is gone.
    package static func conversationChanged(_ id: String, expected: Int) -> Self {
        .conflict(
            "conversation_changed",
            "conversation \(id) is no longer at revision \(expected): another turn changed it first; read it again"
        )
    }

    /// The turn would leave two ongoing conversations on one connection.
    package static func conversationOngoing(connector: String, address: Address) -> Self {
        .conflict("conversation_ongoing", "\(address) on connector \(connector) already has an ongoing conversation")
    }

    /// The sign-out deadline the turn fires is not stored as read (cleared, or set again).
    package static func signOutChanged(_ deadline: SignOutDeadline) -> Self {
        .conflict(
            "sign_out_changed",
            "the sign-out deadline of \(deadline.address) on connector \(deadline.connector) was cleared or set again"
        )
    }
}
