import Foundation

/// A responder declared in the configuration (`conversations.responders.NAME`): what
/// `DeclaredResponder` runs. Plain data, validated by `HubConfiguration.parseResponders`, so a
/// running responder never meets an unknown step, list or topic.
///
/// Every text the party sees (prompts, the invalid-answer and abort messages, the summary, the
/// message and topic row sent on completion) is a Mustache template over the conversation's
/// `data`; Core has no template engine, so the server compiles them all at start
/// (`templates` lists them with their key paths and lines) and hands the responder a renderer.
package struct DeclaredResponderDefinition: Sendable, Equatable {
    package var name: String
    /// One line for `/help` and the API.
    package var summary: String
    /// The whole help text for `/help NAME`.
    package var help: String
    /// First words that start it, lower-cased.
    package var keywords: [String]
    /// Seconds an ongoing conversation may wait for the party; `nil`: `conversations.idle_timeout`.
    package var idleTimeout: TimeInterval?
    /// In declaration order; the first is asked when the conversation starts.
    package var steps: [DeclaredStep]
    package var lists: [DeclaredList]
    package var completion: DeclaredCompletion
    /// Every template of this responder, with where it was written.
    package var templates: [DeclaredTemplate]

    package init(
        name: String,
        summary: String = "",
        help: String = "",
        keywords: [String] = [],
        idleTimeout: TimeInterval? = nil,
        steps: [DeclaredStep],
        lists: [DeclaredList] = [],
        completion: DeclaredCompletion = .init(),
        templates: [DeclaredTemplate] = []
    ) {
        self.name = name
        self.summary = summary
        self.help = help
        self.keywords = keywords
        self.idleTimeout = idleTimeout
        self.steps = steps
        self.lists = lists
        self.completion = completion
        self.templates = templates
    }

    package func step(named name: String) -> DeclaredStep? { steps.first { $0.name == name } }
}

/// One template source of a declared responder, with its key path and line for problems.
package struct DeclaredTemplate: Sendable, Equatable {
    package var path: String
    package var mark: ConfigMark?
    package var source: String
    package init(path: String, mark: ConfigMark?, source: String) {
        self.path = path
        self.mark = mark
        self.source = source
    }
}
