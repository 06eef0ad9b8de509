import Foundation

// The inbound handlers the configuration declares: forwarding rules and keyword auto-replies.
extension HubConfigurationParser {
    func forwarding(_ connectors: [ConnectorSettings]) -> [ForwardingRule] {
        var rules: [ForwardingRule] = []
        for r in top.listOfMappings("forwarding") where isMappingOrNull(r.node) {
            let connector = r.string("connector")
            if let connector, !connectors.contains(where: { $0.name == connector }) {
                let declared = connectors.map(\.name).joined(separator: ", ")
                r.problem("connector", "unknown connector '\(connector)'; declared connectors: \(declared.isEmpty ? "none" : declared)")
            }
            let keyword = r.string("keyword")
            if keyword?.isEmpty == true { r.problem("keyword", "must not be empty; remove the key to forward every message") }
            var to: [Address] = []
            if let entries = scalarItems(r, "to", what: "address") {
                if entries.isEmpty { r.problem("to", "must name at least one address") }
                for (text, path, mark) in entries {
                    do throws(AddressError) { to.append(try Address(parsing: text)) } catch { report(path, mark, error.reason) }
                }
            } else if r.value("to") == nil {
                r.problem("to", "missing; list the addresses to forward to")
            }
            var rule = ForwardingRule(connector: connector, keyword: keyword, to: to)
            if let prefix = r.string("prefix") { rule.prefix = prefix }
            r.rejectUnknownKeys()
            rules.append(rule)
        }
        return rules
    }

    func autoReplies() -> [AutoReply] {
        var replies: [AutoReply] = []
        for r in top.listOfMappings("auto_replies") where isMappingOrNull(r.node) {
            let keyword = r.string("keyword", required: true)
            if let keyword, keyword.contains(where: \.isWhitespace) {
                r.problem("keyword", "must be a single word")
            } else if let keyword, !keyword.isEmpty, replies.contains(where: { $0.keyword.lowercased() == keyword.lowercased() }) {
                r.problem("keyword", "'\(keyword)' already has an auto-reply")
            }
            let reply = r.string("reply", required: true)
            let keep = r.bool("keep_in_inbox") ?? false
            r.rejectUnknownKeys()
            if let keyword, let reply { replies.append(AutoReply(keyword: keyword, reply: reply, keepInInbox: keep)) }
        }
        return replies
    }
}
