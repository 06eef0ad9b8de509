import Foundation

/// A multi-step dialogue between the hub and one party over one connector: the seed's
/// `Conversation` model (GAE-XMPP conversations). It is a long-running transaction: its
/// steps keep what they learn in `data` until the last step acts on it.
///
/// A connection (connector + sender address) has at most one `ongoing` conversation; the
/// store refuses a second one. Every change is committed by `ConversationStore.commitTurn`
/// together with the replies it sends, and bumps `revision`, so a turn computed from an
/// older state is refused instead of overwriting a newer one.
///
/// The transcript is not part of it: it grows by every message, so the store keeps it as
/// rows of its own that a turn only appends to (`ConversationWrite.appending`), and only
/// `/replay`, the API and the web page read it back (`ConversationStore.transcript`). A turn
/// costs the same at the 400th message as at the first.
public struct Conversation: Sendable, Codable, Equatable, Identifiable {
    public var id: String
    /// The connector the party writes on; replies leave on it.
    public var connector: String
    /// The party's address on that connector.
    public var address: Address
    /// The login user linked to the address, when one is known.
    public var username: String?
    /// The directory contact that has the address, when one does.
    public var contactID: String?
    /// The responder that leads the dialogue.
    public var responder: String
    public var status: ConversationStatus
    public var startedAt: Date
    public var updatedAt: Date
    /// How many steps have run (the first one included); which step answered which message
    /// is in the transcript (`ConversationEntry.step`).
    public var stepCount: Int
    /// The step the next message from the party goes to; `nil` once the dialogue ended.
    public var nextStep: String?
    /// The list `/list` shows when given no name.
    public var listShortcut: String?
    /// What the steps have learnt so far (a JSON object).
    public var data: [String: JSONValue]
    /// When an ongoing conversation expires if the party says nothing; a deadline kept in the
    /// store (indexed), not a timer in memory.
    public var expiresAt: Date?
    /// Why it ended (`completed`, `aborted by /abort`, `expired`, an operator's reason).
    public var endReason: String?
    /// Who ended it: the party (`party`), the hub (`hub`), or a username (an operator).
    public var endedBy: String?
    /// Bumped by every committed change; 0 for a conversation not yet stored.
    public var revision: Int

    public init(
        id: String = Identifier.make(),
        connector: String,
        address: Address,
        username: String? = nil,
        contactID: String? = nil,
        responder: String,
        status: ConversationStatus = .ongoing,
        startedAt: Date,
        updatedAt: Date? = nil,
        stepCount: Int = 0,
        nextStep: String? = nil,
        listShortcut: String? = nil,
        data: [String: JSONValue] = [:],
        expiresAt: Date? = nil,
        endReason: String? = nil,
        endedBy: String? = nil,
        revision: Int = 0
    ) {
        self.id = id
        self.connector = connector
        self.address = address
        self.username = username
        self.contactID = contactID
        self.responder = responder
        self.status = status
        self.startedAt = startedAt
        self.updatedAt = updatedAt ?? startedAt
        self.stepCount = stepCount
        self.nextStep = nextStep
        self.listShortcut = listShortcut
        self.data = data
        self.expiresAt = expiresAt
        self.endReason = endReason
        self.endedBy = endedBy
        self.revision = revision
    }
}

public enum ConversationStatus: String, Sendable, Codable, CaseIterable {
    case ongoing
    case complete
    case aborted
    case expired

    /// Whether the dialogue is over (no step runs for it any more).
    public var isFinished: Bool { self != .ongoing }
}

/// One message of a conversation's transcript: a row of its own in the store, appended by the
/// turn that said or heard it and never rewritten.
public struct ConversationEntry: Sendable, Codable, Equatable {
    public enum Direction: String, Sendable, Codable {
        /// From the party to the hub.
        case inbound
        /// From the hub to the party.
        case outbound
    }
    public var direction: Direction
    public var text: String
    public var at: Date
    /// The stored message: the inbound message, or the reply in the outbox.
    public var messageID: String?
    /// For a message from the party: the step that ran on it (`nil` for one that ran none,
    /// such as `/abort`). The steps so far are these, in order.
    public var step: String?
    /// Its place in the transcript, from 1; given by the store when it appends the entry (0
    /// before that).
    public var seq: Int

    public init(direction: Direction, text: String, at: Date, messageID: String? = nil, step: String? = nil, seq: Int = 0) {
        self.direction = direction
        self.text = text
        self.at = at
        self.messageID = messageID
        self.step = step
        self.seq = seq
    }
}

/// A sign-out deadline: when a connector reports that a party went offline (XMPP presence),
/// every ongoing conversation of that connection is aborted at `dueAt` unless the party is
/// back before. A row in the store, so it survives a restart and fires once.
package struct SignOutDeadline: Sendable, Codable, Equatable, Hashable {
    package var connector: String
    package var address: Address
    package var dueAt: Date
    package init(connector: String, address: Address, dueAt: Date) {
        self.connector = connector
        self.address = address
        self.dueAt = dueAt
    }
}

/// A deadline that is due: what the conversation sweeper acts on.
package enum ConversationDeadline: Sendable, Equatable {
    /// An ongoing conversation whose `expiresAt` has passed (idle timeout).
    case idle(Conversation)
    /// A connection whose party signed out and did not come back in time.
    case signOut(SignOutDeadline)
}

/// A page of conversations: most recently started first.
package struct ConversationQuery: Sendable, Equatable {
    package var status: ConversationStatus?
    package var responder: String?
    package var connector: String?
    package var address: Address?
    /// Only this user's conversations (a plain user sees only their own).
    package var username: String?
    /// From `ConversationPage.nextCursor`; an unreadable cursor throws `invalid/invalid_cursor`.
    package var cursor: String?
    package var limit: Int
    package init(
        status: ConversationStatus? = nil,
        responder: String? = nil,
        connector: String? = nil,
        address: Address? = nil,
        username: String? = nil,
        cursor: String? = nil,
        limit: Int = 50
    ) {
        self.status = status
        self.responder = responder
        self.connector = connector
        self.address = address
        self.username = username
        self.cursor = cursor
        self.limit = limit
    }
}

package struct ConversationPage: Sendable, Equatable {
    package var conversations: [Conversation]
    package var nextCursor: String?
    package init(conversations: [Conversation], nextCursor: String?) {
        self.conversations = conversations
        self.nextCursor = nextCursor
    }
}
