import Foundation
import SwitchboardCore

// What the operator's queue API shows. Deliveries reuse `DeliveryView`'s fields and add what a
// listing outside its message needs (the message id, and for the queue its text and
// severity), so a delivery reads the same wherever the API shows it.

/// A page of a keyset-paged listing; pass `next_cursor` as `cursor` for the next one.
struct CursorPageView<Item: Encodable>: Encodable {
    var items: [Item]
    @ExplicitNull var nextCursor: String?
}

/// A recipient with deliveries waiting.
struct PendingRecipientView: Encodable {
    var address: String
    var channel: String
    var count: Int
    var oldest: Date
    var highestSeverity: String

    init(_ r: PendingRecipient) {
        address = r.address.description
        channel = r.channel.rawValue
        count = r.count
        oldest = r.oldest
        highestSeverity = r.highestSeverity.rawValue
    }
}

/// A delivery shown on its own: `DeliveryView`'s members plus `message_id`.
struct DeliveryDetailView: Encodable {
    var delivery: DeliveryView
    var messageId: String

    init(_ d: Delivery) {
        delivery = DeliveryView(d)
        messageId = d.messageID
    }

    private enum CodingKeys: String, CodingKey { case messageId }

    /// Writes one flat object: the delivery's members, then `message_id` beside them.
    func encode(to encoder: any Encoder) throws {
        try delivery.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(messageId, forKey: .messageId)
    }
}

/// A waiting delivery with what the operator needs to judge it: the message's text and severity.
struct QueuedDeliveryView: Encodable {
    var delivery: DeliveryDetailView
    var severity: String
    var subject: String?
    var text: String
    var sender: String?

    init(_ job: DeliveryJob) {
        delivery = DeliveryDetailView(job.delivery)
        severity = job.message.severity.rawValue
        subject = job.message.subject
        text = job.message.text
        sender = job.message.sender
    }

    private enum CodingKeys: String, CodingKey { case severity, subject, text, sender }

    /// Flat, with `subject` and `sender` as explicit `null`s like every optional in the API.
    func encode(to encoder: any Encoder) throws {
        try delivery.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(severity, forKey: .severity)
        try c.encode(subject, forKey: .subject)
        try c.encode(text, forKey: .text)
        try c.encode(sender, forKey: .sender)
    }
}

/// One recipient's queue, most severe first.
struct RecipientQueueView: Encodable {
    var address: String
    var items: [QueuedDeliveryView]
}

/// One try at sending.
struct AttemptView: Encodable {
    var number: Int
    var at: Date
    var connector: String
    var outcome: String
    @ExplicitNull var error: String?
    @ExplicitNull var receiptId: String?

    init(_ a: DeliveryAttempt) {
        number = a.number
        at = a.at
        connector = a.connector
        outcome = a.outcome.rawValue
        error = a.error
        receiptId = a.receiptID
    }
}

/// One recorded change of status, with who made it and why.
struct StatusChangeView: Encodable {
    var from: String
    var to: String
    var reason: String
    var actor: String
    var at: Date

    init(_ c: StatusChange) {
        from = c.from.rawValue
        to = c.to.rawValue
        reason = c.reason
        actor = c.actor
        at = c.at
    }
}

/// A delivery with everything that happened to it: attempts and status changes, oldest first.
struct DeliveryHistoryView: Encodable {
    var delivery: DeliveryDetailView
    var attempts: [AttemptView]
    var statusChanges: [StatusChangeView]
}

struct CancelledView: Encodable { var cancelled: Int }
struct RequeuedView: Encodable { var requeued: Int }

/// The test messages queued, in order.
struct TestMessagesView: Encodable {
    var ids: [String]
}
