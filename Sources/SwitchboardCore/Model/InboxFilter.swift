import Foundation

/// What an inbox listing is narrowed to, besides scope and read flag: every part is optional
/// and all given parts must match. Both stores apply it the same way, so a filtered page and
/// its cursor mean the same thing whichever store answers.
package struct InboxFilter: Sendable, Equatable {
    /// The sender's channel, by the scheme of its address (`sms:` → `sms`, `mailto:` → `email`,
    /// `xmpp:` → `im`); a channel no address scheme belongs to matches nothing.
    package var channel: ChannelName?
    /// The connector the message came in on.
    package var connector: String?
    /// A part of the subject, the text or the sender's address; ASCII letters match either
    /// case (as SQLite's `lower()` does), other characters only exactly.
    package var text: String?
    /// Received at or after this time.
    package var receivedSince: Date?
    /// Received before this time.
    package var receivedBefore: Date?

    package init(
        channel: ChannelName? = nil,
        connector: String? = nil,
        text: String? = nil,
        receivedSince: Date? = nil,
        receivedBefore: Date? = nil
    ) {
        self.channel = channel
        self.connector = connector
        self.text = text
        self.receivedSince = receivedSince
        self.receivedBefore = receivedBefore
    }

    package var isEmpty: Bool { self == InboxFilter() }

    /// The address scheme, with its colon, of senders on `channel`.
    package static func senderPrefix(for channel: ChannelName) -> String? {
        switch channel {
        case .sms: "sms:"
        case .email: "mailto:"
        case .im: "xmpp:"
        default: nil
        }
    }

    /// Whether an item of `message` received at `receivedAt` passes (the in-memory store's test;
    /// SQLite states the same in SQL).
    package func matches(_ message: Message, receivedAt: Date) -> Bool {
        if let channel {
            guard let prefix = Self.senderPrefix(for: channel), let from = message.origin?.from.description, from.hasPrefix(prefix)
            else { return false }
        }
        if let connector, message.origin?.connector != connector { return false }
        if let receivedSince, receivedAt < receivedSince { return false }
        if let receivedBefore, receivedAt >= receivedBefore { return false }
        if let text, !text.isEmpty {
            let needle = Self.asciiLowercased(text)
            let fields = [message.subject ?? "", message.text, message.origin?.from.description ?? ""]
            guard fields.contains(where: { Self.asciiLowercased($0).utf8.firstRange(of: needle.utf8) != nil }) else { return false }
        }
        return true
    }

    /// Lowercases A-Z only, as SQLite's built-in `lower()` does.
    package static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }
}
