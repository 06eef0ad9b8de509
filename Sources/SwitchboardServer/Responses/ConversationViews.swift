import Foundation
import SwitchboardCore

// What the API shows of conversations: the listing shows where each one stands, the detail
// adds what was said and learnt.

/// One conversation in a listing: who, which responder, and where it stands.
struct ConversationSummaryView: Encodable {
    var id: String
    var connector: String
    var address: String
    @ExplicitNull var username: String?
    @ExplicitNull var contactId: String?
    var responder: String
    var status: String
    var startedAt: Date
    var updatedAt: Date
    @ExplicitNull var nextStep: String?
    @ExplicitNull var expiresAt: Date?
    @ExplicitNull var endReason: String?
    @ExplicitNull var endedBy: String?
    var revision: Int

    init(_ c: Conversation) {
        id = c.id
        connector = c.connector
        address = c.address.description
        username = c.username
        contactId = c.contactID
        responder = c.responder
        status = c.status.rawValue
        startedAt = c.startedAt
        updatedAt = c.updatedAt
        nextStep = c.nextStep
        expiresAt = c.expiresAt
        endReason = c.endReason
        endedBy = c.endedBy
        revision = c.revision
    }
}

/// One message of a transcript.
struct ConversationEntryView: Encodable {
    var seq: Int
    var direction: String
    var text: String
    var at: Date
    @ExplicitNull var messageId: String?
    @ExplicitNull var step: String?
}

/// A conversation with a page of its transcript (from the store's own table, `after` a seq):
/// the summary's members, the transcript, the steps that ran on its messages, `data` (a JSON
/// object whose member names are the responder's, kept as they are) and where the next page
/// starts.
struct ConversationView: Encodable {
    var summary: ConversationSummaryView
    var transcript: [ConversationEntryView]
    var steps: [String]
    @ExplicitNull var transcriptNext: Int?
    @ExplicitNull var listShortcut: String?
    var data: [String: SwitchboardCore.JSONValue]

    /// `entries` is one page of the transcript; `more` says whether entries follow it.
    init(_ c: Conversation, transcript entries: [ConversationEntry], more: Bool) {
        summary = ConversationSummaryView(c)
        transcript = entries.map {
            ConversationEntryView(seq: $0.seq, direction: $0.direction.rawValue, text: $0.text, at: $0.at, messageId: $0.messageID, step: $0.step)
        }
        steps = entries.compactMap(\.step)
        transcriptNext = more ? entries.last?.seq : nil
        listShortcut = c.listShortcut
        data = c.data
    }

    enum CodingKeys: String, CodingKey { case transcript, steps, transcriptNext, listShortcut, data }

    func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(transcript, forKey: .transcript)
        try container.encode(steps, forKey: .steps)
        try container.encode(_transcriptNext, forKey: .transcriptNext)
        try container.encode(_listShortcut, forKey: .listShortcut)
        try container.encode(data, forKey: .data)
    }
}

/// A page of conversations, most recently started first; pass `next_cursor` as `cursor`.
struct ConversationPageView: Encodable {
    var items: [ConversationSummaryView]
    @ExplicitNull var nextCursor: String?
}
