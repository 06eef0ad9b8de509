import Foundation
import Mustache
import SwitchboardCore

/// Every template of the declared responders, compiled once at start: the renderer a
/// `DeclaredResponder` is given, since Core has no template engine.
///
/// All are plain text (nothing escaped: an SMS must read "R&D", not "R&amp;D"). A name the
/// data lacks renders as nothing, unlike `MessageTemplates`: a step the party skipped or never
/// reached leaves no answer, and the summary should still be sent.
package struct ResponderTemplates: @unchecked Sendable {
    // Immutable after init; MustacheTemplate is a value-like tree that is only read.
    private let compiled: [String: MustacheTemplate]

    /// Compiles every template of `responders`; one that does not compile is left out (and
    /// reported by `problems`, which `serve` and `check-config` run first).
    package init(_ responders: [DeclaredResponderDefinition]) {
        var out: [String: MustacheTemplate] = [:]
        for t in responders.flatMap(\.templates) where out[t.source] == nil {
            out[t.source] = try? MessageTemplates.template(t.source, plainText: true)
        }
        compiled = out
    }

    /// Templates that do not compile, as `conversations.responders.NAME.steps[0].prompt
    /// (line N): … at line L, column C` (N in the file, L and C in the template).
    package static func problems(_ responders: [DeclaredResponderDefinition]) -> [ConfigProblem] {
        responders.flatMap(\.templates).compactMap { MessageTemplates.problem($0.source, plainText: true, path: $0.path, mark: $0.mark) }
    }

    /// Renders `source` over `data`. A source not compiled at start (a responder made
    /// elsewhere) is compiled now; one that does not compile is sent as written.
    package func render(_ source: String, _ data: [String: SwitchboardCore.JSONValue]) -> String {
        let context = data.mapValues(Self.mustacheValue)
        if let template = compiled[source] { return template.render(context) }
        guard let template = try? MessageTemplates.template(source, plainText: true) else { return source }
        return template.render(context)
    }

    /// A conversation's data as Mustache sees it: objects as dictionaries, arrays as lists to
    /// iterate, numbers as written (`3`, not `3.0`), `null` as nothing.
    static func mustacheValue(_ value: SwitchboardCore.JSONValue) -> Any {
        switch value {
        case .null: NSNull()
        case .bool(let b): b
        case .number: value.text ?? ""
        case .string(let s): s
        case .array(let items): items.map(mustacheValue)
        case .object(let members): members.mapValues(mustacheValue)
        }
    }

    /// The declared responders of `configuration`, rendering with these templates, reading
    /// groups from `store` and topic rows from it when it keeps topics.
    package static func responders(_ configuration: HubConfiguration, store: any HubStore) -> [DeclaredResponder] {
        let templates = ResponderTemplates(configuration.responders)
        return configuration.responders.map {
            DeclaredResponder(
                definition: $0,
                render: templates.render,
                directory: store,
                topicStore: store as? any TopicStore,
                topics: configuration.topics
            )
        }
    }
}
