import Foundation

// What a declared responder does when its last question is answered.
extension DeclaredResponder {
    /// Answers with the summary and asks for the configured effects (dropped by the session
    /// in reply-only mode), then completes.
    func complete(_ session: ConversationSession) {
        let completion = definition.completion
        let context = context(session)
        session.reply(completion.summary.map { render($0, context) } ?? "Thank you.")
        if let formID = completion.formID {
            session.perform(.form(formID: formID, fields: formFields(session.data)))
        }
        if let send = completion.send {
            session.perform(.send(SendRequest(to: send.to, text: render(send.text, context), subject: send.subject.map { render($0, context) })))
        }
        if let row = completion.topicRow {
            let columns = topics.first { $0.name == row.topic }?.columns ?? []
            var values: [String: JSONValue] = [:]
            for (column, template) in row.values {
                values[column] = Self.typed(render(template, context), columns.first { $0.name == column }?.type)
            }
            session.perform(.topicRow(topic: row.topic, values: values))
        }
        session.complete()
    }

    /// The answers in step order, by their `save_as` path with `/` between segments (as the
    /// XForms path names nested fields); steps skipped or not reached are left out.
    func formFields(_ data: [String: JSONValue]) -> [(path: String, value: String)] {
        var seen: Set<DataPath> = []
        var fields: [(path: String, value: String)] = []
        for step in definition.steps where seen.insert(step.saveAs).inserted {
            guard let value = step.saveAs.value(in: data), let text = value.text else { continue }
            fields.append((step.saveAs.segments.joined(separator: "/"), text))
        }
        return fields
    }

    /// A rendered value as the column stores it: a number for INTEGER and REAL columns and a
    /// boolean for BOOLEAN ones when the text reads as one, else the text (which the topic
    /// then refuses with its own message, naming the column).
    static func typed(_ text: String, _ type: TopicColumnType?) -> JSONValue {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        switch type {
        case .integer?, .real?:
            if let d = Double(trimmed), d.isFinite { return .number(d) }
        case .boolean?:
            if trimmed == "true" || trimmed == "false" { return .bool(trimmed == "true") }
        default:
            break
        }
        return .string(text)
    }
}
