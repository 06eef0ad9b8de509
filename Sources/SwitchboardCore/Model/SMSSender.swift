/// What kind of party an `sms:` address names, read from how its value is written.
///
/// SMS senders are not all phones: operators, banks and alert services send from short codes
/// (`2222`, `555123`) and from alphanumeric names (`Telenor`), and an SMSC without Kannel's
/// `unified-prefix` reports national numbers (`0412345678`). The hub keeps each as the gateway
/// gave it, so an inbound message is never refused for its sender, and tells them apart here:
/// an alphanumeric name cannot receive a reply, and a number format needs to know which
/// values are phone numbers at all.
public enum SMSNumberKind: String, Sendable, Codable, CaseIterable {
    /// `+` and the country code: `+4712345678` (E.164).
    case international
    /// A national number with its trunk prefix, `0412345678`: the country is not known.
    case national
    /// A service number of at most six digits: `2222`, `555123`.
    case shortCode = "short_code"
    /// A sender name, `Telenor`: anything that is not all digits. It cannot receive SMS.
    case alphanumeric

    /// Longest short code: six digits. Seven or more digits are a phone number.
    public static let maxShortCodeDigits = 6

    /// The kind of an `sms:` address value as the hub stores it.
    public init(value: String) {
        let utf8 = value.utf8
        let digits = utf8.first == UInt8(ascii: "+") ? utf8.dropFirst() : utf8[...]
        guard !digits.isEmpty, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            self = .alphanumeric
            return
        }
        if utf8.first == UInt8(ascii: "+") {
            self = .international
        } else if digits.count <= Self.maxShortCodeDigits {
            self = .shortCode
        } else {
            self = .national
        }
    }

    /// Whether an SMS can be sent to such an address.
    public var canReceive: Bool { self != .alphanumeric }
}

extension Address {
    /// The kind of an `sms:` address; `nil` for other schemes.
    public var smsKind: SMSNumberKind? {
        guard case .sms(let value) = self else { return nil }
        return SMSNumberKind(value: value)
    }
}
