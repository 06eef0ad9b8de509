import Foundation

/// An inbound message as it shows in an inbox: the common one (`owner == nil`) or a user's.
public struct InboxItem: Sendable, Codable, Equatable, Identifiable {
    /// Increases with every item; used as the paging cursor.
    public var id: Int64
    public var message: Message
    public var owner: String?
    /// Whether the user who asked has read it.
    public var read: Bool
    public var receivedAt: Date
    /// The form submission parsed from the message (an XForms instance), if it carried one.
    public var formSubmissionID: String?
    public init(id: Int64, message: Message, owner: String?, read: Bool, receivedAt: Date, formSubmissionID: String? = nil) {
        self.id = id
        self.message = message
        self.owner = owner
        self.read = read
        self.receivedAt = receivedAt
        self.formSubmissionID = formSubmissionID
    }
}

/// Which inbox items a user asks for.
public struct InboxQuery: Sendable, Equatable {
    public enum Scope: String, Sendable, Codable { case mine, common, all }
    public var viewer: String
    public var scope: Scope
    public var unreadOnly: Bool
    public var limit: Int
    /// Return items older than this item id (newest first).
    public var before: Int64?
    public init(viewer: String, scope: Scope = .common, unreadOnly: Bool = false, limit: Int = 50, before: Int64? = nil) {
        self.viewer = viewer
        self.scope = scope
        self.unreadOnly = unreadOnly
        self.limit = limit
        self.before = before
    }
}

public struct InboxPage: Sendable, Equatable {
    public var items: [InboxItem]
    /// Pass as `before` to get the next page; `nil` at the end.
    public var nextCursor: Int64?
    public init(items: [InboxItem], nextCursor: Int64?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
