import Foundation
import SwitchboardCore

/// Plays the conversation engine's part for one conversation, without a store: each message
/// runs the step the conversation waits at (the first step for the first message), and what
/// the session asked for is kept as the engine would commit it.
struct ResponderDriver {
    let responder: any Responder
    var conversation: Conversation
    /// Effects of every turn so far, in order.
    var effects: [ConversationEffect] = []
    /// What `/replay` needs: each step run and the message it ran with.
    var turns: [(step: String, text: String)] = []

    init(_ responder: any Responder) {
        self.responder = responder
        conversation = Conversation(
            connector: "tester",
            address: .sms("+4712345678"),
            responder: responder.name,
            startedAt: Date(timeIntervalSince1970: 0)
        )
    }

    /// `+4712345678 > text`; returns the replies (`< …`).
    mutating func say(_ text: String) async throws -> [String] {
        precondition(conversation.status == .ongoing, "the conversation has ended")
        let step = conversation.nextStep ?? responder.firstStep
        let session = ConversationSession(conversation: conversation, text: text, receivedAt: Date(), replyOnly: false)
        try await responder.run(step: step, session: session, replyOnly: false)
        turns.append((step, text))
        conversation = session.conversation
        conversation.stepCount += 1
        effects += session.effects
        switch session.outcome {
        case .stay: break
        case .next(let next): conversation.nextStep = next
        case .complete:
            conversation.status = .complete
            conversation.nextStep = nil
        case .abort(let reason):
            conversation.status = .aborted
            conversation.endReason = reason
            conversation.nextStep = nil
        }
        return session.replies
    }

    /// `/replay`: every turn again in reply-only mode over the conversation as it is now;
    /// returns the replies and what the sessions left behind (which must be nothing).
    func replay() async throws -> (replies: [String], effects: [ConversationEffect], data: [[String: JSONValue]]) {
        var replies: [String] = []
        var effects: [ConversationEffect] = []
        var data: [[String: JSONValue]] = []
        for turn in turns {
            let session = ConversationSession(conversation: conversation, text: turn.text, receivedAt: Date(), replyOnly: true)
            try await responder.run(step: turn.step, session: session, replyOnly: true)
            replies += session.replies
            effects += session.effects
            data.append(session.conversation.data)
        }
        return (replies, effects, data)
    }

    /// A stand-in for the server's Mustache renderer: `{{name}}` and `{{a.b}}` only, missing
    /// names as nothing (the real one is tested in `SwitchboardServerTests`).
    static let render: ResponderRenderer = { template, data in
        var out = ""
        var rest = template[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            out += rest[..<open.lowerBound]
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            out += DataPath(name.split(separator: ".").map(String.init)).value(in: data)?.text ?? ""
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}
