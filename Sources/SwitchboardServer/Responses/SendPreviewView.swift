import Foundation
import SwitchboardCore

/// The pre-send report as `POST /api/v1/messages/preview` answers it (`SendPreview` on the
/// wire): the page reads it to show who gets what, who cannot be reached and why, and the SMS
/// the plain text costs, before anything is stored.
struct SendPreviewView: Encodable {
    struct Problem: Encodable {
        var code: String
        var message: String
        var channel: String?

        init(_ p: RecipientProblem) {
            code = p.code
            message = p.message
            channel = p.channel?.rawValue
        }
    }

    struct Planned: Encodable {
        var address: String
        var channel: String
        /// `subject`, `text`, `html`, `attachments`: what this delivery carries.
        var gets: [String]
        var duplicate: Bool
    }

    struct Recipient: Encodable {
        var name: String
        var contactId: String?
        var via: [String]
        var deliveries: [Planned]
        var problems: [Problem]
    }

    struct Unreachable: Encodable {
        var name: String
        var contactId: String?
        var via: [String]
        var problems: [Problem]
        var refusesSend: Bool
    }

    struct MessageSummary: Encodable {
        var subject: String?
        var text: String
        var html: String?
        var severity: String
        var attachments: [AttachmentInfo]
    }

    struct SMS: Encodable {
        var encoding: String
        var units: Int
        var parts: Int
        var perPart: Int
        var remainingInLastPart: Int
        /// The characters that force UCS-2, each once, in order of first appearance.
        var nonGsmCharacters: [String]
        /// Distinct SMS deliveries, and what they cost together (parts × deliveries).
        var deliveries: Int
        var totalSms: Int
    }

    struct Refusal: Encodable {
        var error: String
        var message: String
    }

    /// Whether `POST /api/v1/messages` with this body would be accepted.
    var sendable: Bool
    var refusal: Refusal?
    var message: MessageSummary
    var recipients: [Recipient]
    var unreachable: [Unreachable]
    var sms: SMS
    /// Distinct deliveries by channel, and in all.
    var deliveries: [String: Int]
    var totalDeliveries: Int
    var warnings: [String]

    init(_ preview: SendPreview, request: SendRequest) {
        sendable = preview.refusal == nil
        refusal = preview.refusal.map { Refusal(error: $0.code, message: $0.message) }
        message = MessageSummary(
            subject: request.subject,
            text: request.text,
            html: request.html,
            severity: (request.severity ?? .info).rawValue,
            attachments: (request.attachments ?? []).map(AttachmentInfo.init)
        )
        recipients = preview.recipients.map { r in
            Recipient(
                name: r.name,
                contactId: r.contactID,
                via: r.via,
                deliveries: r.deliveries.map {
                    Planned(address: $0.address.description, channel: $0.channel.rawValue, gets: $0.parts.map(\.rawValue), duplicate: $0.duplicate)
                },
                problems: r.problems.map(Problem.init)
            )
        }
        unreachable = preview.unreachable.map {
            Unreachable(name: $0.name, contactId: $0.contactID, via: $0.via, problems: $0.problems.map(Problem.init), refusesSend: $0.refusesSend)
        }
        let count = preview.sms
        sms = SMS(
            encoding: count.encoding.rawValue,
            units: count.units,
            parts: count.parts,
            perPart: count.perPart,
            remainingInLastPart: count.remainingInLastPart,
            nonGsmCharacters: count.nonGSMCharacters,
            deliveries: preview.deliveriesByChannel[.sms] ?? 0,
            totalSms: preview.totalSMS
        )
        deliveries = Dictionary(uniqueKeysWithValues: preview.deliveriesByChannel.map { ($0.key.rawValue, $0.value) })
        totalDeliveries = preview.deliveries
        warnings = preview.warnings
    }
}
