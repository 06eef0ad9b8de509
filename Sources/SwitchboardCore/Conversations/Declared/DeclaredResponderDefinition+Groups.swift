import Foundation

// The groups a declared responder names. Groups live in the directory, not in the
// configuration (the API makes and deletes them), so they cannot be checked with the file:
// `serve` checks them at start and warns, and the responder says so when it meets one gone.
extension DeclaredResponderDefinition {
    /// Each group a list or the completion's message names, with where.
    package var groupReferences: [(group: String, where: String)] {
        var out: [(group: String, where: String)] = []
        for list in lists {
            if case .group(let group) = list.source { out.append((group, "lists.\(list.name)")) }
        }
        for recipient in completion.send?.to ?? [] where recipient.hasPrefix("group:") {
            out.append((String(recipient.dropFirst("group:".count)), "on_complete.send.to"))
        }
        return out
    }

    /// `conversations.responders.NAME.WHERE: group 'G' does not exist` for every group named
    /// that `directory` does not have.
    package static func missingGroups(_ responders: [DeclaredResponderDefinition], in directory: any DirectoryStore) async throws -> [String] {
        var missing: [String] = []
        for responder in responders {
            for (group, place) in responder.groupReferences where try await directory.group(named: group) == nil {
                missing.append("conversations.responders.\(responder.name).\(place): group '\(group)' does not exist")
            }
        }
        return missing
    }
}
