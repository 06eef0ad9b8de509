import Foundation
import SwitchboardCore

// What the message tester shows: the fate of an injected message, and what bucket connectors "sent".

/// What became of an injected message.
struct InboundResultView: Encodable {
    var messageId: String
    var disposition: String
    @ExplicitNull var inboxItemId: Int64?
    var replies: [String]

    init(_ r: InboundResult) {
        messageId = r.messageID
        disposition = r.disposition.rawValue
        inboxItemId = r.inboxItemID
        replies = r.replies
    }
}

struct SentItemView: Encodable {
    var connector: String
    var deliveryId: String
    var messageId: String
    var to: String
    @ExplicitNull var subject: String?
    var text: String
    @ExplicitNull var html: String?
    var attachments: [String]
    var receiptId: String
    var sentAt: Date

    init(_ s: BucketConnector.SentItem) {
        connector = s.connector
        deliveryId = s.deliveryID
        messageId = s.messageID
        to = s.to.description
        subject = s.subject
        text = s.text
        html = s.html
        attachments = s.attachments
        receiptId = s.receiptID
        sentAt = s.sentAt
    }
}
