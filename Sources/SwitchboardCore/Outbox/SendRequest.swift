import Foundation

/// A request to send one message to any mix of recipients: addresses (`sms:`, `mailto:`,
/// `xmpp:`, `user:`), `contact:ID` and `group:NAME`.
public struct SendRequest: Sendable, Codable, Equatable {
    public var to: [String]
    public var text: String
    public var subject: String?
    public var html: String?
    public var severity: Severity?
    public var attachments: [Attachment]?

    public init(to: [String], text: String, subject: String? = nil, html: String? = nil, severity: Severity? = nil, attachments: [Attachment]? = nil)
    {
        self.to = to
        self.text = text
        self.subject = subject
        self.html = html
        self.severity = severity
        self.attachments = attachments
    }

    /// Limits that keep one request from swamping the hub; the HTTP layer also caps body size.
    public enum Limits {
        public static let recipients = 1000
        public static let textBytes = 64 * 1024
        public static let subjectBytes = 998
        public static let attachments = 20
    }

    /// A stable digest of the request, so a reused idempotency key can be told from a retry.
    public var fingerprint: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(self)) ?? Data()
        return Fingerprint.hex(of: data)
    }
}

/// A 128-bit FNV-1a digest: not cryptographic, only to tell two requests apart.
enum Fingerprint {
    static func hex(of data: Data) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in data {
            a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x100_0000_01b3 &+ 0x9e37_79b9_7f4a_7c15
        }
        return String(format: "%016llx%016llx", a, b)
    }
}
