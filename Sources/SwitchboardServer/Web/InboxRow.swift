import Foundation
import SwitchboardCore

/// One inbox item as the pages show it, built the same way for a listed row and for a row the
/// live socket pushes: the sender by the contact's name when an address book entry has the
/// address, the channel, the connector, the time and a one-line preview.
struct InboxRow: Encodable {
    static let previewLength = 140

    var id: Int64
    @ExplicitNull var owner: String?
    var from: String
    var fromName: String
    var channel: String
    var connector: String
    var receivedAt: String
    var receivedLabel: String
    var preview: String
    var form: Bool
    var read: Bool

    init(_ item: InboxItem, contactName: String?, noText: String) {
        let message = item.message
        id = item.id
        owner = item.owner
        from = message.origin?.from.description ?? message.sender ?? "?"
        fromName = contactName ?? from
        channel = message.origin?.from.channel?.rawValue ?? "-"
        connector = message.origin?.connector ?? "-"
        let iso = item.receivedAt.formatted(Date.ISO8601FormatStyle())
        receivedAt = iso
        receivedLabel = iso.prefix(16).replacingOccurrences(of: "T", with: " ") + " UTC"
        preview = Self.preview(subject: message.subject, text: message.text) ?? noText
        form = item.formSubmissionID != nil
        read = item.read
    }

    /// Subject and text on one line, whitespace collapsed, cut at `previewLength` characters.
    static func preview(subject: String?, text: String) -> String? {
        let joined = [subject ?? "", text].filter { !$0.isEmpty }.joined(separator: " — ")
        let words = joined.split(whereSeparator: { $0.isWhitespace || $0.isNewline })
        let line = words.joined(separator: " ")
        guard !line.isEmpty else { return nil }
        return line.count > previewLength ? String(line.prefix(previewLength - 1)) + "…" : line
    }

    /// The values the `row` template reads.
    func values(back: String) -> [String: Any] {
        var values: [String: Any] = [
            "id": "\(id)", "fromName": fromName, "channel": channel, "connector": connector, "receivedISO": receivedAt,
            "receivedLabel": receivedLabel, "preview": preview, "form": form, "read": read, "back": back,
        ]
        if fromName != from { values["fromAddress"] = from }
        return values
    }
}

extension APIEnvironment {
    /// Contact names for the senders of `items`, in one look-up.
    func contactNames(for items: [InboxItem]) async throws -> [String: String] {
        try await store.contactNames(for: items.compactMap { $0.message.origin?.from })
    }
}
