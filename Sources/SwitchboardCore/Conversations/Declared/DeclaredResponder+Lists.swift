import Foundation

// The named lists a declared responder offers to `/list`.
extension DeclaredResponder {
    /// The lines of list `name`; empty for a name this responder does not declare. A group
    /// that no longer exists is an error naming it (groups live in the directory, not in the
    /// configuration, so an operator may have deleted it since the start).
    package func list(_ name: String, session: ConversationSession?) async throws -> [String] {
        guard let list = definition.lists.first(where: { $0.name == name }) else { return [] }
        switch list.source {
        case .options(let options):
            return options
        case .group(let group):
            guard let directory else { return [] }
            guard try await directory.group(named: group) != nil else {
                throw SwitchboardError.notFound("group_not_found", "list '\(name)' shows group '\(group)', which does not exist")
            }
            return try await directory.members(group: group).map(\.name).sorted {
                $0.localizedCaseInsensitiveCompare($1) == .orderedAscending
            }
        case .topic(let topicName, let text, let limit):
            guard let topicStore, let topic = topics.first(where: { $0.name == topicName }) else { return [] }
            let history = try await topicStore.history(of: topic, query: TopicQuery(limit: limit), limit: limit)
            return history.rows.reversed().map { row in
                if let text { return render(text, row.values.compactMapValues { $0.text.map(JSONValue.string) }) }
                return topic.columns.compactMap { row.values[$0.name]?.text }.filter { !$0.isEmpty }.joined(separator: ", ")
            }
        }
    }
}
