/// The responders a hub runs: code responders registered by the executable (as topic hooks
/// are) and those declared in the configuration, by name and by keyword.
///
/// Built once at start. Names and keywords are unique; a clash is a programming or
/// configuration error and stops the hub here rather than answering the wrong party.
package struct ResponderRegistry: Sendable {
    package let all: [any Responder]
    private let byName: [String: any Responder]
    private let byKeyword: [String: any Responder]

    package init(_ responders: [any Responder]) {
        var byName: [String: any Responder] = [:]
        var byKeyword: [String: any Responder] = [:]
        for responder in responders {
            precondition(byName[responder.name] == nil, "two responders are named '\(responder.name)'")
            byName[responder.name] = responder
            for keyword in responder.keywords.map({ $0.lowercased() }) {
                if let other = byKeyword[keyword], other.name != responder.name {
                    preconditionFailure("responders '\(other.name)' and '\(responder.name)' share the keyword '\(keyword)'")
                }
                byKeyword[keyword] = responder
            }
        }
        self.all = responders
        self.byName = byName
        self.byKeyword = byKeyword
    }

    package var isEmpty: Bool { all.isEmpty }
    package var names: [String] { all.map(\.name) }

    package subscript(name: String) -> (any Responder)? { byName[name] }

    /// The responder whose keyword is the first word of `text`, if any.
    package func responder(startedBy text: String) -> (any Responder)? {
        guard let word = text.split(whereSeparator: { $0.isWhitespace }).first else { return nil }
        return byKeyword[word.lowercased()]
    }

    /// Every list one can ask for, with the responder that offers it; `preferring` first, so a
    /// name two responders share means the current conversation's.
    package func lists(preferring first: String? = nil) -> [(list: String, responder: any Responder)] {
        let ordered = all.filter { $0.name == first } + all.filter { $0.name != first }
        var seen = Set<String>()
        var out: [(list: String, responder: any Responder)] = []
        for responder in ordered {
            for list in responder.lists where seen.insert(list).inserted { out.append((list, responder)) }
        }
        return out
    }
}
