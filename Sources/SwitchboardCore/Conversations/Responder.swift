import Foundation

/// What leads a conversation: the seed's *responder* (GAE-XMPP conversations), a set of steps
/// run one per message from the party. Declared responders (`conversations.responders` in the
/// configuration) implement it; code registers its own the way it registers `TopicHook`s.
///
/// A step is a function of the conversation: it reads the message it was given
/// (`session.text`) and `session.data`, replies, and says what comes next
/// (`session.next(_:)`, `session.complete()`, `session.abort(_:)`). With `replyOnly` (the
/// party asked for `/replay`) it must only say again what it said: the session drops every
/// change and effect in that mode, so nothing a step does happens twice.
public protocol Responder: Sendable {
    /// Unique; `/new NAME`, `/help NAME`. Lower case letters, digits, `-` and `_`.
    var name: String { get }
    /// One line for `/help` and the API.
    var summary: String { get }
    /// The whole help text for `/help NAME`.
    var help: String { get }
    /// First words of a message (outside any conversation) that start this responder,
    /// compared without regard to case.
    var keywords: [String] { get }
    /// The step a new conversation runs first, with the message that started it.
    var firstStep: String { get }
    /// How long an ongoing conversation may wait for the party; `nil`: the configured default.
    var idleTimeout: Duration? { get }
    /// Names of the lists this responder offers to `/list`.
    var lists: [String] { get }

    /// Runs the step `step` for `session`'s current message.
    func run(step: String, session: ConversationSession, replyOnly: Bool) async throws
    /// The lines of list `name` (one of `lists`), for `session`'s conversation if there is one.
    func list(_ name: String, session: ConversationSession?) async throws -> [String]
}

extension Responder {
    public var idleTimeout: Duration? { nil }
    public var lists: [String] { [] }
    public func list(_ name: String, session: ConversationSession?) async throws -> [String] { [] }
}

/// A step's view of its conversation and the means to act: what it may read, and what it
/// asks for (replies, data, the next step, effects), which the conversation engine commits
/// after the step returns — all in one transaction, or none of it.
public final class ConversationSession: @unchecked Sendable {
    private let lock = NSLock()
    private var _conversation: Conversation
    private var _replies: [String] = []
    private var _effects: [ConversationEffect] = []
    private var _outcome: ConversationStepOutcome = .stay
    /// Set in `/replay`: changes and effects are dropped, replies kept.
    public let replyOnly: Bool
    /// The text of the message this step answers (for the first step, the one that started
    /// the conversation, without its keyword taken off).
    public let text: String
    /// When the message came in.
    public let receivedAt: Date

    package init(conversation: Conversation, text: String, receivedAt: Date, replyOnly: Bool) {
        self._conversation = conversation
        self.text = text
        self.receivedAt = receivedAt
        self.replyOnly = replyOnly
    }

    /// The conversation as the step found it, with the changes made so far.
    public var conversation: Conversation { lock.withLock { _conversation } }

    /// The conversation's data; setting it is ignored in reply-only mode.
    public var data: [String: JSONValue] {
        get { lock.withLock { _conversation.data } }
        set {
            guard !replyOnly else { return }
            lock.withLock { _conversation.data = newValue }
        }
    }

    /// The list `/list` shows when given no name; ignored in reply-only mode.
    public var listShortcut: String? {
        get { lock.withLock { _conversation.listShortcut } }
        set {
            guard !replyOnly else { return }
            lock.withLock { _conversation.listShortcut = newValue }
        }
    }

    /// Answers the party on the connector the message came in on.
    public func reply(_ text: String) {
        lock.withLock { _replies.append(text) }
    }

    /// The next message from the party goes to `step`.
    public func next(_ step: String) {
        lock.withLock { _outcome = .next(step) }
    }

    /// The dialogue is done (status `complete`).
    public func complete() {
        lock.withLock { _outcome = .complete }
    }

    /// The dialogue cannot go on (status `aborted`, with `reason`).
    public func abort(_ reason: String) {
        lock.withLock { _outcome = .abort(reason) }
    }

    /// Something the step wants done when its turn commits; dropped in reply-only mode.
    public func perform(_ effect: ConversationEffect) {
        guard !replyOnly else { return }
        lock.withLock { _effects.append(effect) }
    }

    /// What the step said, in order.
    package var replies: [String] { lock.withLock { _replies } }
    /// What the step asked to be done.
    package var effects: [ConversationEffect] { lock.withLock { _effects } }
    /// Where the step left the dialogue.
    package var outcome: ConversationStepOutcome { lock.withLock { _outcome } }
}

/// Where a step leaves its conversation.
package enum ConversationStepOutcome: Sendable, Equatable {
    /// Unchanged `nextStep` (an answer that did not fit: the same step asks again).
    case stay
    case next(String)
    case complete
    case abort(String)
}

/// What a step may ask the hub to do when its turn commits.
public enum ConversationEffect: Sendable, Equatable {
    /// Send a message by the normal routes (to addresses, `group:`, `contact:`, `user:`).
    case send(SendRequest)
    /// Store a form submission of the turn's inbound message, as the XForms path stores one
    /// (`/api/v1/forms`): a form id and its fields in order.
    case form(formID: String, fields: [(path: String, value: String)])
    /// Post a row to a topic, as its owner would through the topic's socket.
    case topicRow(topic: String, values: [String: JSONValue])

    public static func == (lhs: ConversationEffect, rhs: ConversationEffect) -> Bool {
        switch (lhs, rhs) {
        case (.send(let a), .send(let b)): a == b
        case (.form(let a, let f), .form(let b, let g)): a == b && f.elementsEqual(g) { $0.path == $1.path && $0.value == $1.value }
        case (.topicRow(let a, let v), .topicRow(let b, let w)): a == b && v == w
        default: false
        }
    }
}
