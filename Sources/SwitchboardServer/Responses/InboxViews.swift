import Foundation
import SwitchboardCore

/// An inbound message as an inbox shows it: who sent it, on which connector, and what.
struct InboxMessageView: Encodable {
    var id: String
    @ExplicitNull var from: String?
    /// For an SMS sender: `international`, `national`, `short_code` or `alphanumeric` (which
    /// cannot be answered by SMS).
    @ExplicitNull var fromKind: String?
    @ExplicitNull var to: String?
    @ExplicitNull var connector: String?
    @ExplicitNull var subject: String?
    var text: String
    @ExplicitNull var html: String?
    var severity: String
    var attachments: [AttachmentInfo]
    var createdAt: Date

    init(_ m: Message) {
        id = m.id
        from = m.origin?.from.description ?? m.sender
        fromKind = m.origin?.from.smsKind?.rawValue
        to = m.origin?.to?.description
        connector = m.origin?.connector
        subject = m.subject
        text = m.text
        html = m.html
        severity = m.severity.rawValue
        attachments = m.attachments.map(AttachmentInfo.init)
        createdAt = m.createdAt
    }
}

/// One inbox entry; `owner` is `null` in the common inbox, `read` is the caller's own flag.
struct InboxItemView: Encodable {
    var id: Int64
    var message: InboxMessageView
    @ExplicitNull var owner: String?
    var read: Bool
    var receivedAt: Date
    /// Set when the message carried an XForms instance: `GET /api/v1/forms/{id}` has its fields.
    @ExplicitNull var formSubmissionId: String?

    init(_ item: InboxItem) {
        id = item.id
        message = InboxMessageView(item.message)
        owner = item.owner
        read = item.read
        receivedAt = item.receivedAt
        formSubmissionId = item.formSubmissionID
    }
}

/// A page of the inbox, newest first; pass `next_cursor` as `cursor` for the next one.
struct InboxPageView: Encodable {
    var items: [InboxItemView]
    @ExplicitNull var nextCursor: String?

    init(_ page: InboxPage) {
        items = page.items.map(InboxItemView.init)
        nextCursor = page.nextCursor.map(String.init)
    }
}

struct UnreadCountView: Encodable {
    var mine: Int
    var common: Int
    var total: Int
}

/// How many items `POST /api/v1/inbox/read-all` marked read (those the caller had not read).
struct MarkAllReadView: Encodable {
    var marked: Int
}
