import Foundation

extension HubConfiguration {
    /// Reads `responders:` of the `conversations:` mapping: each a declared responder (see
    /// `DeclaredResponderDefinition`), reporting every problem through `conversations`' log with
    /// its key path and line. Besides each responder's own checks, trigger keywords and list
    /// names must be unique across responders (`/list NAME` and a first word name one only).
    ///
    /// - Parameter topics: the configured topics, which lists and completion rows may name.
    package static func parseResponders(_ conversations: ConfigReader, topics: [TopicDefinition]) -> [DeclaredResponderDefinition] {
        var responders: [DeclaredResponderDefinition] = []
        var keywordOwners: [String: String] = [:]
        var listOwners: [String: String] = [:]
        for (name, r) in conversations.namedChildren("responders") {
            switch r.node {
            case .scalar, .sequence: continue  // the reader has said it is not a mapping
            default: break
            }
            if !isValidName(name) { r.problem(nil, "responder name must be 1-64 characters of a-z, 0-9, '_' or '-'") }
            let responder = DeclaredResponderParser(r, name: name, topics: topics).parse()
            for keyword in responder.keywords {
                if let owner = keywordOwners[keyword] {
                    r.problem("keywords", "'\(keyword)' is already a keyword of responder '\(owner)'")
                } else {
                    keywordOwners[keyword] = name
                }
            }
            for list in responder.lists {
                if let owner = listOwners[list.name] {
                    r.problem("lists", "list '\(list.name)' is already declared by responder '\(owner)'; /list names one list")
                } else {
                    listOwners[list.name] = name
                }
            }
            responders.append(responder)
        }
        return responders
    }
}
