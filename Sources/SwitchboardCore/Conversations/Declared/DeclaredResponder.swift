import Foundation

/// Renders a template of a declared responder over a conversation's data. Core has no
/// template engine: the server compiles every responder template at start (refusing to start
/// on a broken one) and passes its renderer in.
package typealias ResponderRenderer = @Sendable (_ template: String, _ data: [String: JSONValue]) -> String

/// A responder declared in the configuration rather than written in Swift: a list of
/// questions, each with the answer it expects, where the answer goes in `data`, and what
/// comes next; on completion a summary, a form, a message and a topic row.
///
/// A step is named for the question it waits on: running step `where` reads the party's
/// answer to "where?", saves it and asks the next question. The conversation starts at
/// `startStep`, which only asks the first question. Everything it decides comes from the
/// message, `data` and the definition, so `/replay` (reply-only) says the same again.
package struct DeclaredResponder: Responder {
    /// The step a new conversation runs with the message that started it: it asks the first
    /// question. Declared step names cannot start with `_`, so it never clashes with one.
    package static let startStep = "_start"
    /// Where `data` counts the answers given to the question now waiting, until one fits.
    package static let triesKey = "_tries"

    package let definition: DeclaredResponderDefinition
    let render: ResponderRenderer
    let directory: (any DirectoryStore)?
    let topicStore: (any TopicStore)?
    let topics: [TopicDefinition]

    /// - Parameters:
    ///   - directory: for lists of a group's members.
    ///   - topicStore, topics: for lists of a topic's recent rows, and the column types of
    ///     the row posted on completion.
    package init(
        definition: DeclaredResponderDefinition,
        render: @escaping ResponderRenderer,
        directory: (any DirectoryStore)? = nil,
        topicStore: (any TopicStore)? = nil,
        topics: [TopicDefinition] = []
    ) {
        self.definition = definition
        self.render = render
        self.directory = directory
        self.topicStore = topicStore
        self.topics = topics
    }

    package var name: String { definition.name }
    package var summary: String { definition.summary }
    package var help: String { definition.help }
    package var keywords: [String] { definition.keywords }
    package var firstStep: String { Self.startStep }
    package var idleTimeout: Duration? { definition.idleTimeout.map { .milliseconds(Int64(($0 * 1000).rounded())) } }
    package var lists: [String] { definition.lists.map(\.name) }

    package func run(step: String, session: ConversationSession, replyOnly: Bool) async throws {
        if step == Self.startStep {
            guard let first = definition.steps.first else { return complete(session) }
            return ask(first, session)
        }
        guard let current = definition.step(named: step) else {
            // The configuration changed while this conversation waited at a step now gone.
            session.reply("This conversation cannot go on: the hub's configuration changed.\(restartHint)")
            session.abort("step '\(step)' is no longer declared")
            return
        }
        switch current.expect.check(session.text) {
        case .fits(let value, let key):
            var data = session.data
            data[Self.triesKey] = nil
            current.saveAs.set(value, in: &data)
            session.data = data
            go(to: current.next.target(for: key), session)
        case .doesNotFit:
            // A replay says again what was said then; an answer that used up the tries ended
            // or moved the conversation, so in a replay it is one that did not fit yet.
            let tries = Self.tries(session.data) + 1
            if replyOnly || tries < current.tries {
                session.data[Self.triesKey] = .number(Double(tries))
                session.reply(render(current.invalid ?? current.expect.invalidMessage, context(session)))
                return
            }
            switch current.whenExhausted {
            case .abort(let message):
                let text =
                    message.map { render($0, context(session)) } ?? "That answer did not fit either; this conversation has ended.\(restartHint)"
                session.reply(text)
                session.abort("no answer to '\(current.name)' fitted in \(current.tries) tries")
            case .skip:
                session.data[Self.triesKey] = nil
                go(to: current.next.target(for: nil), session)
            }
        }
    }

    /// Answers given to the waiting question that did not fit.
    static func tries(_ data: [String: JSONValue]) -> Int {
        guard case .number(let n)? = data[triesKey], n >= 0, n < 1_000_000 else { return 0 }
        return Int(n)
    }

    /// " Send REPORT to start again." for a responder with a keyword.
    var restartHint: String {
        definition.keywords.first.map { " Send \($0.uppercased()) to start again." } ?? ""
    }

    func go(to target: DeclaredTarget?, _ session: ConversationSession) {
        guard case .step(let name)? = target, let step = definition.step(named: name) else { return complete(session) }
        ask(step, session)
    }

    /// Asks `step`'s question: the next message is its answer.
    func ask(_ step: DeclaredStep, _ session: ConversationSession) {
        session.reply(render(step.prompt, context(session)))
        if let list = step.list { session.listShortcut = list }
        session.next(step.name)
    }

    /// What templates see: `data`, and `_from`, `_connector`, `_responder`, `_conversation`.
    func context(_ session: ConversationSession) -> [String: JSONValue] {
        let conversation = session.conversation
        var context = conversation.data
        context[Self.triesKey] = nil
        context["_from"] = .string(conversation.address.description)
        context["_connector"] = .string(conversation.connector)
        context["_responder"] = .string(conversation.responder)
        context["_conversation"] = .string(conversation.id)
        return context
    }
}
