import Foundation

/// Inbound messages and the inboxes that show them.
package protocol InboxStore: Sendable {
    /// Commits an inbound message before any handler runs or any gateway is acknowledged.
    /// With a replay key, in the same transaction: keys past their expiry are forgotten, and a
    /// key still remembered for its connector commits nothing and throws `conflict/replayed`.
    ///
    /// The message is also marked *unrouted* in that transaction: until `addToInbox` or
    /// `finishRouting` clears the mark, `unroutedInbound` returns it, so a hub killed between
    /// the commit and the end of the pipeline routes it again at its next start.
    func recordInbound(_ message: Message, replayKey: ReplayKey?) async throws
    /// Puts a recorded inbound message in the common inbox (`owner == nil`) or a user's, and
    /// clears its unrouted mark in the same transaction. A message already in an inbox is not
    /// added twice: its existing item is returned.
    func addToInbox(messageID: String, owner: String?) async throws -> InboxItem
    /// Clears the unrouted mark of a message a handler took (`handled` or `drop`).
    func finishRouting(messageID: String) async throws
    /// Inbound messages recorded but not yet through the pipeline, oldest first.
    func unroutedInbound(limit: Int) async throws -> [Message]
    /// Newest first. `mine` is the viewer's own inbox, `common` the shared one, `all` both.
    func inbox(_ query: InboxQuery) async throws -> InboxPage
    /// One item as `viewer` sees it (read flag is per user).
    func inboxItem(id: Int64, viewer: String) async throws -> InboxItem?
    /// Marks an item read for one user; returns `false` if there is no such item.
    func markRead(itemID: Int64, username: String) async throws -> Bool
    /// Marks an item unread again for one user; returns `false` if there is no such item.
    func markUnread(itemID: Int64, username: String) async throws -> Bool
    /// Marks read, for one user, every item of `scope` they may see (the common inbox and
    /// their own) with an id up to `upTo` (every item when `nil`), in one transaction; items
    /// that arrive later stay unread. Returns how many were unread before.
    func markAllRead(username: String, scope: InboxQuery.Scope, upTo: Int64?) async throws -> Int
    /// How many items `viewer` has not read in each scope (for badges and the ticker).
    func unreadCount(viewer: String) async throws -> (mine: Int, common: Int)
}

extension InboxStore {
    /// Commits an inbound message that cannot be replayed (or whose connector does not care).
    package func recordInbound(_ message: Message) async throws { try await recordInbound(message, replayKey: nil) }
}
