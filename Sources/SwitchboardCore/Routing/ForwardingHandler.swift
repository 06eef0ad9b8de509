import Foundation

/// Bridges connectors by configuration: e.g. every SMS arriving on `kannel` is also sent to
/// `mailto:ops@example.org`. Always passes, so the message still reaches the inbox.
package struct ForwardingHandler: MessageHandler {
    package let name = "forwarding"
    let rules: [ForwardingRule]
    package init(rules: [ForwardingRule]) { self.rules = rules }

    package func handle(_ context: InboundContext) async throws -> HandlerResult {
        let message = context.message
        for rule in rules where matches(rule, context) {
            let prefix = rule.prefix
                .replacingOccurrences(of: "{from}", with: context.origin.from.value)
                .replacingOccurrences(of: "{connector}", with: context.origin.connector)
            // Never forward a message back to where it came from: that is how loops start.
            let targets = rule.to.filter { $0 != context.origin.from }
            guard !targets.isEmpty else { continue }
            var request = SendRequest(to: targets.map(\.description), text: prefix + message.text)
            request.subject = message.subject ?? "Message from \(context.origin.from.value) via \(context.origin.connector)"
            request.html = message.html
            request.attachments = message.attachments.isEmpty ? nil : message.attachments
            request.severity = message.severity
            try await context.send(request)
        }
        return .pass
    }

    func matches(_ rule: ForwardingRule, _ context: InboundContext) -> Bool {
        if let c = rule.connector, c != context.origin.connector { return false }
        if let k = rule.keyword {
            let first = context.message.text.trimmingCharacters(in: .whitespaces).prefix { !$0.isWhitespace }
            if k.caseInsensitiveCompare(first) != .orderedSame { return false }
        }
        return true
    }
}
