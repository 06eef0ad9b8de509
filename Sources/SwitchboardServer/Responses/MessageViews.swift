import Foundation
import SwitchboardCore

// What the API shows of messages and deliveries. Separate from Core's models so the wire
// format is chosen here (snake_case, attachment bytes left out) and cannot change by accident
// when a model grows a field.

/// An attachment without its bytes: listings stay small, and the bytes are not re-sent.
struct AttachmentInfo: Encodable {
    var filename: String
    var contentType: String
    var size: Int

    init(_ a: Attachment) {
        filename = a.filename
        contentType = a.contentType
        size = a.data.count
    }
}

/// The answer to a send: what was accepted and who will get it.
struct AcceptanceView: Encodable {
    struct DeliverySummary: Encodable {
        var id: String
        var address: String
        var channel: String
        var status: String
    }
    var id: String
    var deliveries: [DeliverySummary]
    var warnings: [String]

    init(id: String, deliveries: [DeliverySummary], warnings: [String]) {
        self.id = id
        self.deliveries = deliveries
        self.warnings = warnings
    }

    init(_ record: MessageRecord) {
        id = record.message.id
        deliveries = record.deliveries.map {
            DeliverySummary(id: $0.id, address: $0.address.description, channel: $0.channel.rawValue, status: $0.status.rawValue)
        }
        warnings = record.warnings
    }
}

/// The answer to a batch: one acceptance per message, in the order sent. Written by
/// `AcceptanceJSON`; this type is the encoder's reference it is tested against.
struct BatchAcceptanceView: Encodable {
    var messages: [AcceptanceView]
}

/// One delivery with everything the dispatcher records about it.
struct DeliveryView: Encodable {
    var id: String
    var address: String
    var channel: String
    var status: String
    var attempts: Int
    @ExplicitNull var nextAttemptAt: Date?
    @ExplicitNull var pinnedConnector: String?
    @ExplicitNull var connector: String?
    @ExplicitNull var receiptId: String?
    @ExplicitNull var lastError: String?
    var createdAt: Date
    var updatedAt: Date

    init(_ d: Delivery) {
        id = d.id
        address = d.address.description
        channel = d.channel.rawValue
        status = d.status.rawValue
        attempts = d.attempts
        nextAttemptAt = d.nextAttemptAt
        pinnedConnector = d.pinnedConnector
        connector = d.connector
        receiptId = d.receiptID
        lastError = d.lastError
        createdAt = d.createdAt
        updatedAt = d.updatedAt
    }
}

/// Where an inbound message came from.
struct OriginView: Encodable {
    var connector: String
    var from: String
    /// For an SMS sender: `international`, `national`, `short_code` or `alphanumeric`.
    @ExplicitNull var fromKind: String?
    @ExplicitNull var to: String?
    init(_ o: Origin) {
        connector = o.connector
        from = o.from.description
        fromKind = o.from.smsKind?.rawValue
        to = o.to?.description
    }
}

/// A message with its deliveries and the warnings given when it was accepted.
struct MessageView: Encodable {
    var id: String
    var direction: String
    @ExplicitNull var sender: String?
    @ExplicitNull var subject: String?
    var text: String
    @ExplicitNull var html: String?
    var severity: String
    var attachments: [AttachmentInfo]
    var createdAt: Date
    @ExplicitNull var origin: OriginView?
    /// The first page of deliveries, in the message's order.
    var deliveries: [DeliveryView]
    @ExplicitNull var deliveriesNextCursor: String?
    /// Every delivery of the message, by status (each status, zero included).
    var deliveryCounts: [String: Int]
    var deliveryCount: Int
    var warnings: [String]

    init(_ record: MessageRecord, page: DeliveryPage, counts: [DeliveryStatus: Int]) {
        let m = record.message
        id = m.id
        direction = m.direction.rawValue
        sender = m.sender
        subject = m.subject
        text = m.text
        html = m.html
        severity = m.severity.rawValue
        attachments = m.attachments.map(AttachmentInfo.init)
        createdAt = m.createdAt
        origin = m.origin.map(OriginView.init)
        deliveries = page.deliveries.map(DeliveryView.init)
        deliveriesNextCursor = page.nextCursor
        deliveryCounts = Dictionary(uniqueKeysWithValues: DeliveryStatus.allCases.map { ($0.rawValue, counts[$0] ?? 0) })
        deliveryCount = counts.values.reduce(0, +)
        warnings = record.warnings
    }
}
