import Foundation

/// Answers messages that start with a configured keyword (RapidSMS's `ping` and `echo` apps,
/// made configurable): `PING` → `pong`, `HELP` → the menu.
package struct AutoReplyHandler: MessageHandler {
    package let name = "auto-reply"
    let rules: [AutoReply]
    package init(rules: [AutoReply]) { self.rules = rules }

    package func handle(_ context: InboundContext) async throws -> HandlerResult {
        let text = context.message.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let firstWord = text.prefix { !$0.isWhitespace }
        guard let rule = rules.first(where: { $0.keyword.caseInsensitiveCompare(firstWord) == .orderedSame }) else { return .pass }
        let rest = text.dropFirst(firstWord.count).trimmingCharacters(in: .whitespaces)
        let reply = rule.reply
            .replacingOccurrences(of: "{text}", with: rest)
            .replacingOccurrences(of: "{from}", with: context.origin.from.value)
            .replacingOccurrences(of: "{connector}", with: context.origin.connector)
        try await context.reply(reply)
        return rule.keepInInbox ? .pass : .handled
    }
}
