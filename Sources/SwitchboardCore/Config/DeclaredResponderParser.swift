import Foundation

/// Reads one declared responder (`conversations.responders.NAME`), recording every problem
/// with its key path and line and every template with where it was written. A class because
/// the steps, lists and templates it has read so far are checked against each other.
final class DeclaredResponderParser {
    let r: ConfigReader
    let name: String
    let topics: [TopicDefinition]
    var templates: [DeclaredTemplate] = []
    /// Each step as read, with its reader and its `next` still unresolved.
    var steps: [(step: DeclaredStep, reader: ConfigReader, next: UnresolvedNext)] = []

    /// A step's `next` as written, checked once every step is known.
    enum UnresolvedNext {
        /// Neither `next` nor `end`: the following step, or the end after the last.
        case following
        case target(String, ConfigReader, key: String)
        case byAnswer([(answer: String, target: String)], otherwise: String?, ConfigReader)
    }

    init(_ r: ConfigReader, name: String, topics: [TopicDefinition]) {
        self.r = r
        self.name = name
        self.topics = topics
    }

    func parse() -> DeclaredResponderDefinition {
        let summary = r.string("summary") ?? ""
        let help = r.string("help") ?? summary
        let keywords = keywordList()
        var idle: TimeInterval?
        if let d = r.duration("idle_timeout") {
            if d <= 0 { r.problem("idle_timeout", "must be more than 0") } else { idle = d }
        }
        let lists = r.namedChildren("lists").compactMap { list($0.name, $0.reader) }
        for s in r.listOfMappings("steps") { step(s) }
        if steps.isEmpty && !r.has("steps") { r.problem("steps", "missing; list the questions, each with a name and a prompt") }
        if steps.isEmpty && r.has("steps") { r.problem("steps", "must list at least one question") }
        let resolved = resolveSteps(lists: lists)
        let completion = r.child("on_complete").map(completion) ?? DeclaredCompletion()
        r.rejectUnknownKeys()
        return DeclaredResponderDefinition(
            name: name,
            summary: summary,
            help: help,
            keywords: keywords,
            idleTimeout: idle,
            steps: resolved,
            lists: lists,
            completion: completion,
            templates: templates
        )
    }

    func keywordList() -> [String] {
        var out: [String] = []
        for word in r.stringList("keywords") ?? [] {
            let lower = word.lowercased()
            if word.isEmpty || word.contains(where: \.isWhitespace) {
                r.problem("keywords", "'\(word)' is not a single word")
            } else if out.contains(lower) {
                r.problem("keywords", "'\(word)' is listed twice")
            } else {
                out.append(lower)
            }
        }
        return out
    }

    /// A template at `key` of `reader`, recorded for the server to compile.
    func template(_ reader: ConfigReader, _ key: String, required: Bool = false) -> String? {
        guard let source = reader.string(key, required: required) else { return nil }
        if source.isEmpty {
            if !required { reader.problem(key, "must not be empty") }
            return nil
        }
        templates.append(DeclaredTemplate(path: reader.keyPath(key), mark: reader.value(key)?.mark, source: source))
        return source
    }

    // MARK: - Lists

    func list(_ listName: String, _ l: ConfigReader) -> DeclaredList? {
        if !HubConfiguration.isValidName(listName) { l.problem(nil, "list name must be 1-64 characters of a-z, 0-9, '_' or '-'") }
        let given = ["options", "group", "topic"].filter { l.has($0) }
        var source: DeclaredList.Source?
        if given.count != 1 {
            l.problem(nil, "give exactly one of options, group or topic")
            for key in ["options", "group", "topic", "text", "limit"] { _ = l.value(key) }
        } else if l.has("options") {
            let options = l.stringList("options") ?? []
            if options.isEmpty { l.problem("options", "must list at least one line") }
            source = .options(options)
        } else if l.has("group"), let group = l.string("group", required: true) {
            if !HubConfiguration.isValidName(group) { l.problem("group", "'\(group)' is not a group name") }
            source = .group(group)
        } else if l.has("topic"), let topic = l.string("topic", required: true) {
            if !topics.contains(where: { $0.name == topic }) { l.problem("topic", unknownTopic(topic)) }
            let text = template(l, "text")
            let limit = l.int("limit", in: 1...100) ?? 10
            source = .topic(topic, text: text, limit: limit)
        }
        if source.map({ if case .topic = $0 { false } else { true } }) ?? false {
            for key in ["text", "limit"] where l.has(key) {
                _ = l.value(key)
                l.problem(key, "applies only to a list of a topic's rows")
            }
        }
        l.rejectUnknownKeys()
        return source.map { DeclaredList(name: listName, source: $0) }
    }

    func unknownTopic(_ topic: String) -> String {
        let known = topics.map(\.name).joined(separator: ", ")
        return "unknown topic '\(topic)'; configured topics: \(known.isEmpty ? "none" : known)"
    }

    // MARK: - Completion

    func completion(_ c: ConfigReader) -> DeclaredCompletion {
        var completion = DeclaredCompletion()
        completion.summary = template(c, "summary")
        if let form = c.string("form") {
            if form.isEmpty || form.utf8.count > 200 || form.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                c.problem("form", "must be a form id of 1-200 characters without control characters")
            } else {
                completion.formID = form
            }
        }
        if let s = c.child("send") { completion.send = send(s) }
        if let t = c.child("topic_row") { completion.topicRow = topicRow(t) }
        c.rejectUnknownKeys()
        return completion
    }

    func send(_ s: ConfigReader) -> DeclaredCompletion.Send? {
        let to = s.stringList("to") ?? []
        if to.isEmpty { s.problem("to", "missing; list the recipients (addresses, group:NAME, contact:ID)") }
        for recipient in to {
            if let problem = Self.recipientProblem(recipient) { s.problem("to", problem) }
        }
        let text = template(s, "text", required: true)
        let subject = template(s, "subject")
        s.rejectUnknownKeys()
        guard let text, !to.isEmpty else { return nil }
        return DeclaredCompletion.Send(to: to, text: text, subject: subject)
    }

    /// Why `recipient` cannot be sent to, or nil: as `Hub.send` reads recipients.
    static func recipientProblem(_ recipient: String) -> String? {
        if recipient.hasPrefix("group:") {
            return HubConfiguration.isValidName(String(recipient.dropFirst(6))) ? nil : "'\(recipient)' does not name a group"
        }
        if recipient.hasPrefix("contact:") { return recipient.count > 8 ? nil : "'\(recipient)' does not name a contact" }
        do throws(AddressError) {
            _ = try Address(parsing: recipient)
            return nil
        } catch {
            return error.reason
        }
    }

    func topicRow(_ t: ConfigReader) -> DeclaredCompletion.TopicRow? {
        let topicName = t.string("topic", required: true)
        let topic = topicName.flatMap { n in topics.first { $0.name == n } }
        if let topicName, topic == nil { t.problem("topic", unknownTopic(topicName)) }
        var values: [(column: String, template: String)] = []
        if let v = t.child("values") {
            for column in v.keys {
                if let topic, !topic.columns.contains(where: { $0.name == column }) {
                    _ = v.value(column)
                    v.problem(column, "'\(column)' is not a column of topic '\(topic.name)'")
                    continue
                }
                if let source = template(v, column) { values.append((column, source)) }
            }
            v.rejectUnknownKeys()
        }
        if values.isEmpty && t.has("values") == false { t.problem("values", "missing; give the row's values by column (templates)") }
        t.rejectUnknownKeys()
        guard let topicName, topic != nil, !values.isEmpty else { return nil }
        return DeclaredCompletion.TopicRow(topic: topicName, values: values)
    }
}
