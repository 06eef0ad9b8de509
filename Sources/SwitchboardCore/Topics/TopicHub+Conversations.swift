import Foundation

// Rows a conversation step posts (`ConversationEffect.topicRow`): written through the topic's
// whole pipeline (rules, hook, commit, broadcast, alert) as an admin would, under an id made
// from the conversation and the step, so posting again after a crash adds nothing.
extension TopicHub {
    /// Who conversation rows are written by: past the topic's write rules, as an admin.
    package static let conversationPrincipal = TopicPrincipal(id: "conversations", role: "admin")

    /// Posts `values` to `topic` as row `rowID` and returns the change (for its alert); `nil`
    /// when a row with that id is already there (posted before a crash): nothing to do.
    @discardableResult
    package func postConversationRow(
        topic name: String,
        rowID: String,
        values: [String: JSONValue]
    ) async throws -> (change: TopicChange, topic: TopicDefinition)? {
        guard let topic = topic(named: name) else {
            throw TopicError.invalid("unknown_topic", "there is no topic named '\(name)'")
        }
        var fields: [String: TopicValue] = [:]
        for (key, value) in values {
            fields[key] = Self.topicValue(value, for: topic.columns.first { $0.name == key }?.type)
        }
        do {
            let change = try await write(TopicFrame(method: .post, fields: fields, rowID: rowID), to: topic, principal: Self.conversationPrincipal)
            return (change, topic)
        } catch let error as TopicError where error.code == "duplicate_id" {
            return nil
        }
    }

    /// A conversation's value for a column: templated text (`"3"`) is read as the column's
    /// type when it can be, so a declared responder can fill number and boolean columns.
    static func topicValue(_ value: JSONValue, for type: TopicColumnType?) -> TopicValue {
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let d): return d == d.rounded() && abs(d) < 9e15 ? .integer(Int64(d)) : .real(d)
        case .string(let s):
            let trimmed = s.trimmingCharacters(in: .whitespaces)
            switch type {
            case .integer: if let i = Int64(trimmed) { return .integer(i) }
            case .real: if let d = Double(trimmed), d.isFinite { return .real(d) }
            case .boolean: if let b = Bool(trimmed.lowercased()) { return .bool(b) }
            default: break
            }
            return .text(s)
        case .array, .object:
            let data = (try? JSONEncoder().encode(value)) ?? Data()
            return .text(String(decoding: data, as: UTF8.self))
        }
    }
}
