import Foundation

/// An inbound message as it shows in an inbox: the common one (`owner == nil`) or a user's.
package struct InboxItem: Sendable, Codable, Equatable, Identifiable {
    /// Increases with every item; used as the paging cursor.
    package var id: Int64
    package var message: Message
    package var owner: String?
    /// Whether the user who asked has read it.
    package var read: Bool
    package var receivedAt: Date
    /// The form submission parsed from the message (an XForms instance), if it carried one.
    package var formSubmissionID: String?
    package init(id: Int64, message: Message, owner: String?, read: Bool, receivedAt: Date, formSubmissionID: String? = nil) {
        self.id = id
        self.message = message
        self.owner = owner
        self.read = read
        self.receivedAt = receivedAt
        self.formSubmissionID = formSubmissionID
    }
}

/// Which inbox items a user asks for.
package struct InboxQuery: Sendable, Equatable {
    package enum Scope: String, Sendable, Codable { case mine, common, all }
    package var viewer: String
    package var scope: Scope
    /// `false`: only what the viewer has not read; `true`: only what they have; `nil`: both.
    package var read: Bool?
    package var limit: Int
    /// Return items older than this item id (newest first).
    package var before: Int64?
    /// Channel, connector, text and time the items must match.
    package var filter: InboxFilter
    package init(
        viewer: String,
        scope: Scope = .common,
        unreadOnly: Bool = false,
        limit: Int = 50,
        before: Int64? = nil,
        filter: InboxFilter = InboxFilter()
    ) {
        self.viewer = viewer
        self.scope = scope
        self.read = unreadOnly ? false : nil
        self.limit = limit
        self.before = before
        self.filter = filter
    }

    /// Only what the viewer has not read.
    package var unreadOnly: Bool {
        get { read == false }
        set { read = newValue ? false : nil }
    }
}

package struct InboxPage: Sendable, Equatable {
    package var items: [InboxItem]
    /// Pass as `before` to get the next page; `nil` at the end.
    package var nextCursor: Int64?
    package init(items: [InboxItem], nextCursor: Int64?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
