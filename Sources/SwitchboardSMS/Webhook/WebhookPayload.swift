import Foundation
import SwitchboardCore

/// The JSON body of an outbound webhook: one delivery with its message.
///
/// ```json
/// {"attachments": [{"content_type": "text/plain", "data": "<base64>", "filename": "log.txt"}],
///  "channel": "sms", "created_at": "2026-11-22T08:00:00.000Z", "html": null, "id": "<delivery id>",
///  "message_id": "<message id>", "sender": "alice", "severity": "critical", "subject": null,
///  "text": "Router gw1 down", "to": "sms:+4712345678"}
/// ```
///
/// Keys are sorted and absent values are `null`, so every body has the same shape. `id` is
/// the delivery's: a receiver that sees the same id twice (the hub retried after a timeout
/// whose request did arrive) can drop the second.
struct WebhookPayload: Encodable {
    struct File: Encodable {
        var filename: String
        var contentType: String
        var data: Data
        enum CodingKeys: String, CodingKey {
            case filename
            case contentType = "content_type"
            case data
        }
    }

    var id: String
    var messageID: String
    var to: String
    var channel: String
    var subject: String?
    var text: String
    var html: String?
    var severity: String
    var sender: String?
    var createdAt: Date
    var attachments: [File]

    init(_ outbound: Outbound) {
        let m = outbound.message
        id = outbound.delivery.id
        messageID = m.id
        to = outbound.address.description
        channel = outbound.delivery.channel.rawValue
        subject = m.subject
        text = m.text
        html = m.html
        severity = m.severity.rawValue
        sender = m.sender
        createdAt = m.createdAt
        attachments = m.attachments.map { File(filename: $0.filename, contentType: $0.contentType, data: $0.data) }
    }

    enum CodingKeys: String, CodingKey {
        case id
        case messageID = "message_id"
        case to, channel, subject, text, html, severity, sender
        case createdAt = "created_at"
        case attachments
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(messageID, forKey: .messageID)
        try c.encode(to, forKey: .to)
        try c.encode(channel, forKey: .channel)
        try c.encode(subject, forKey: .subject)
        try c.encode(text, forKey: .text)
        try c.encode(html, forKey: .html)
        try c.encode(severity, forKey: .severity)
        try c.encode(sender, forKey: .sender)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(attachments, forKey: .attachments)
    }

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The API's own date style, so a receiver parses both the same way.
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        }
        encoder.dataEncodingStrategy = .base64
        return Array(try encoder.encode(self))
    }
}
