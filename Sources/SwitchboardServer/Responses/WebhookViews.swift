import Foundation

/// The answer to an accepted webhook: the message is committed.
struct WebhookAcceptedView: Encodable {
    var messageId: String
    @ExplicitNull var inboxItemId: Int64?
}
