import Foundation
import SwitchboardCore

/// Kannel's calls back to the hub read into a message or a report: an sms-service `get-url`
/// (`from`, `to`, `text`, `coding`, `charset`, as Kannel's `%p %P %a %c %C` give them) and a
/// `dlr-url` (`delivery`, `status` as Kannel's DLR type `%d`, `detail` as `%A`). playSMS and
/// Jasmin call back the same way.
///
/// A callback is refused (`invalid`, so 400 and nothing stored) only for what is malformed:
/// a missing or unreadable sender or text, a binary message, an unknown charset. Whoever the
/// sender is (a phone, a short code, a name) the message is taken; see `SMSNumberFormat`.
package enum KannelCallback {
    /// The inbound message of an sms-service call, for connector `connector`.
    package static func inboundMessage(
        connector: String,
        parameters: CallbackParameters,
        numbers: SMSNumberFormat,
        receivedAt: Date
    ) throws(SwitchboardError) -> InboundMessage {
        let from = try numbers.sender(parameters.string("from"), parameter: "from")
        let to = try recipient(parameters.string("to"), numbers: numbers)
        let text = try text(parameters)
        return InboundMessage(connector: connector, from: from, to: to, text: text, receivedAt: receivedAt)
    }

    /// The number the message was sent to (the hub's own number or short code), kept like a
    /// sender; `nil` when absent.
    static func recipient(_ raw: String?, numbers: SMSNumberFormat) throws(SwitchboardError) -> Address? {
        guard let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        return try numbers.sender(raw, parameter: "to")
    }

    /// The report of a `dlr-url` call.
    package static func deliveryReport(from parameters: CallbackParameters) throws(SwitchboardError) -> DeliveryReport {
        guard let id = parameters.string("delivery"), !id.isEmpty else {
            throw .invalid("missing_delivery", "parameter 'delivery' (the hub's delivery id from the dlr-url) is missing")
        }
        guard let raw = parameters.string("status"), let type = Int(raw) else {
            throw .invalid("invalid_status", "parameter 'status' must be a Kannel DLR type (1, 2, 4, 8 or 16; Kannel's %d)")
        }
        let (status, meaning): (DeliveryReport.Status, String)
        switch type {
        case 1: (status, meaning) = (.delivered, "delivered to the phone")
        case 2: (status, meaning) = (.failed, "not delivered")
        case 4: (status, meaning) = (.buffered, "buffered by the SMSC")
        case 8: (status, meaning) = (.submitted, "accepted by the SMSC")
        case 16: (status, meaning) = (.failed, "rejected by the SMSC")
        default: throw .invalid("invalid_status", "'status' \(type) is not a Kannel DLR type (1, 2, 4, 8 or 16)")
        }
        let said = parameters.string("detail")?.trimmingCharacters(in: .whitespacesAndNewlines).prefix(500)
        let detail = "DLR \(type), \(meaning)" + (said.map { $0.isEmpty ? "" : ": \($0)" } ?? "")
        return DeliveryReport(deliveryID: id, status: status, detail: detail)
    }

    /// `text` read as `charset` says (default UTF-8, or UTF-16BE for `coding=2`, as Kannel's
    /// `%C` and `%c` give them); bytes that are not valid in that charset are `invalid`.
    package static func text(_ parameters: CallbackParameters) throws(SwitchboardError) -> String {
        guard let bytes = parameters.values["text"] else { throw .invalid("missing_text", "parameter 'text' is missing") }
        guard bytes.count <= SendRequest.Limits.textBytes * 2 else {
            throw .invalid("text_too_long", "'text' is \(bytes.count) bytes; at most \(SendRequest.Limits.textBytes * 2)")
        }
        let coding = parameters.string("coding") ?? ""
        if coding == "1" { throw .invalid("binary_message", "an 8-bit (binary) message is not text; coding=1 is not accepted") }
        let charset = (parameters.string("charset").flatMap { $0.isEmpty ? nil : $0 } ?? (coding == "2" ? "UTF-16BE" : "UTF-8")).uppercased()
        let encoding: String.Encoding
        switch charset {
        case "UTF-8", "UTF8": encoding = .utf8
        case "UTF-16BE", "UCS-2", "UCS-2BE", "UTF-16": encoding = .utf16BigEndian
        case "ISO-8859-1", "LATIN1", "ISO_8859-1": encoding = .isoLatin1
        case "WINDOWS-1252", "CP1252": encoding = .windowsCP1252
        default: throw .invalid("unsupported_charset", "charset '\(charset)' is not supported; use UTF-8, UTF-16BE or ISO-8859-1")
        }
        if encoding == .utf16BigEndian && bytes.count % 2 != 0 {
            throw .invalid("invalid_text", "'text' has an odd number of bytes, so it is not \(charset)")
        }
        guard let text = String(bytes: bytes, encoding: encoding) else {
            throw .invalid(
                "invalid_text",
                "'text' is not valid \(charset); put &coding=%c&charset=%C in Kannel's get-url so the hub knows how to read it"
            )
        }
        return text
    }
}
