import Foundation
import Mustache
import SwitchboardCore

/// The configured message templates, compiled once: a send request that names one gets its
/// subject, text and HTML rendered from its `data`.
///
/// Subject and text are rendered as plain text (nothing escaped: an SMS must read "R&D", not
/// "R&amp;D"); HTML with Mustache's default escaping, so data can never add markup to the
/// email unless the template asks for it with `{{{triple}}}` braces. Every name the template
/// looks up must be in `data` (give `false`, `null` or `[]` for an optional section; an empty
/// string opens it, as any other string does in swift-mustache): a misspelt key is refused
/// with its name instead of leaving a silent gap in an alert.
package struct MessageTemplates: @unchecked Sendable {
    // Immutable after init; MustacheTemplate is a value-like tree that is only read.
    struct Compiled {
        let subject: MustacheTemplate?
        let text: MustacheTemplate
        let html: MustacheTemplate?
    }

    /// What a template made of a request's data.
    struct Rendered: Equatable {
        var subject: String?
        var text: String
        var html: String?
    }

    private let compiled: [String: Compiled]

    /// The pragma that turns escaping off for plain-text parts.
    static let plainText = "{{% CONTENT_TYPE: TEXT}}"

    /// Compiles every template; a template that does not compile is left out (and reported by
    /// `problems`, which `serve` and `check-config` run first).
    package init(_ settings: [MessageTemplateSettings]) {
        var out: [String: Compiled] = [:]
        for t in settings { out[t.name] = try? Self.compile(t) }
        compiled = out
    }

    /// Templates that do not compile, as `templates.NAME.PART (line N): … at line L, column C`
    /// (N in the file, L and C in the template).
    package static func problems(_ settings: [MessageTemplateSettings]) -> [ConfigProblem] {
        settings.flatMap { t in
            [("subject", t.subject, true), ("text", t.text, true), ("html", t.html, false)].compactMap { part, source, plain in
                source.flatMap { problem($0, plainText: plain, path: "templates.\(t.name).\(part)", mark: t.marks[part]) }
            }
        }
    }

    /// The problem with one template source, compiled as it will be used; nil if it compiles.
    static func problem(_ source: String, plainText: Bool, path: String, mark: ConfigMark?) -> ConfigProblem? {
        do {
            _ = try template(source, plainText: plainText)
            return nil
        } catch {
            return ConfigProblem(path: path, mark: mark, message: "the Mustache template does not compile: \(describe(error, plainText: plainText))")
        }
    }

    static func compile(_ t: MessageTemplateSettings) throws -> Compiled {
        Compiled(
            subject: try t.subject.map { try template($0, plainText: true) },
            text: try template(t.text, plainText: true),
            html: try t.html.map { try template($0, plainText: false) }
        )
    }

    static func template(_ source: String, plainText: Bool) throws -> MustacheTemplate {
        try MustacheTemplate(string: plainText ? Self.plainText + source : source)
    }

    /// The parser's complaint and where, in the template as written (without the pragma).
    static func describe(_ error: any Error, plainText: Bool) -> String {
        guard let e = error as? MustacheTemplate.ParserError else { return "\(error)" }
        let shift = plainText && e.context.lineNumber == 1 ? Self.plainText.count : 0
        return "\(e.error) at line \(e.context.lineNumber), column \(max(1, e.context.columnNumber - shift))"
    }

    var names: [String] { compiled.keys.sorted() }

    /// The names template `name` looks up at its top level, in order of first use (subject,
    /// text, then HTML): the fields of its form on the send page. Found by rendering over no
    /// data, so a name used only inside a section that data would open is not among them.
    func fields(_ name: String) -> [String] {
        guard let template = compiled[name] else { return [] }
        let root = RecordingRoot([:])
        _ = template.subject?.render(root)
        _ = template.text.render(root)
        _ = template.html?.render(root)
        return root.missing
    }

    /// Renders template `name` over `data` (the request's JSON object). Throws 400
    /// `unknown_template` or `missing_data` naming what is wrong.
    func render(_ name: String, data: JSONValue?) throws(APIError) -> Rendered {
        guard let template = compiled[name] else {
            let known = names.isEmpty ? "none are configured" : "configured: " + names.joined(separator: ", ")
            throw .badRequest("unknown_template", "no template named '\(name)' (\(known))")
        }
        guard let data else { throw .badRequest("missing_data", "template '\(name)' needs 'data', a JSON object with the values it fills in") }
        guard case .object(let members) = data else {
            throw .badRequest("missing_data", "'data' is \(data.kindName); template '\(name)' needs a JSON object")
        }
        let root = RecordingRoot(members.mapValues(Self.mustacheValue))
        let rendered = Rendered(
            subject: template.subject?.render(root).replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " "),
            text: template.text.render(root),
            html: template.html?.render(root)
        )
        let missing = root.missing
        if !missing.isEmpty {
            throw .badRequest(
                "missing_data",
                "template '\(name)' uses \(missing.map { "'\($0)'" }.joined(separator: ", ")), which 'data' does not have"
            )
        }
        return rendered
    }

    /// JSON as Mustache sees it: objects as dictionaries, arrays as lists to iterate, numbers
    /// as written, `null` as nothing (an empty variable, a section not shown).
    static func mustacheValue(_ value: JSONValue) -> Any {
        switch value {
        case .null: NSNull()
        case .bool(let b): b
        case .number(let n): n
        case .string(let s): s
        case .array(let items): items.map(mustacheValue)
        case .object(let members): members.mapValues(mustacheValue)
        }
    }
}

/// The data's top level, noting every name looked up that it lacks. Mustache asks the
/// innermost section's object first and this root last, so a name missing here is missing
/// everywhere.
private final class RecordingRoot: MustacheParent, @unchecked Sendable {
    // Used by one render on one task only.
    let values: [String: Any]
    private(set) var missing: [String] = []
    init(_ values: [String: Any]) { self.values = values }
    func child(named name: String) -> Any? {
        if let v = values[name] { return v }
        if !missing.contains(name) { missing.append(name) }
        return nil
    }
}
