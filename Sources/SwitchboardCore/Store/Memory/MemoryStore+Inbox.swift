import Foundation

// Inbound messages, replay keys and the inboxes in memory.
extension MemoryStore: InboxStore {
    package func recordInbound(_ message: Message, replayKey: ReplayKey?) async throws {
        var inbound = message
        inbound.direction = .inbound
        let now = Date()
        try withState { [inbound] state in
            if let replayKey {
                // Keys past their expiry are forgotten, so at most one tolerance window is kept.
                state.replayKeys = state.replayKeys.filter { $0.value.expiresAt >= now }
                if let earlier = state.replayKeys[.init(connector: replayKey.connector, key: replayKey.key)] {
                    throw SwitchboardError.conflict(
                        "replayed",
                        "this request was already received (message \(earlier.messageID)); a replay is not committed again"
                    )
                }
            }
            guard state.messages[inbound.id] == nil else {
                throw SwitchboardError.conflict("message_exists", "a message with id \(inbound.id) already exists")
            }
            state.messages[inbound.id] = StoredMessage(message: inbound, warnings: [], deliveryIDs: [])
            state.unrouted.append(inbound.id)
            if let replayKey {
                state.replayKeys[.init(connector: replayKey.connector, key: replayKey.key)] = .init(
                    expiresAt: replayKey.expiresAt,
                    messageID: inbound.id
                )
            }
        }
    }

    package func addToInbox(messageID: String, owner: String?) async throws -> InboxItem {
        let receivedAt = Date()
        return try withState { state in
            guard state.messages[messageID] != nil else {
                throw SwitchboardError.notFound("unknown_message", "no message with id \(messageID)")
            }
            state.unrouted.removeAll { $0 == messageID }
            // Routing again after a crash must not show the message twice.
            if let existing = state.inboxItems.filter({ $0.value.messageID == messageID }).keys.min() {
                return state.item(existing, viewer: nil)!
            }
            let id = state.nextInboxItemID
            state.nextInboxItemID += 1
            state.inboxItems[id] = StoredInboxItem(messageID: messageID, owner: owner, receivedAt: receivedAt)
            return state.item(id, viewer: nil)!
        }
    }

    package func finishRouting(messageID: String) async throws {
        try withState { state in
            state.finishRoutingCalls += 1
            state.unrouted.removeAll { $0 == messageID }
        }
    }

    /// How many times `finishRouting` was called: a write each, which tests can count.
    package var finishRoutingCalls: Int { state.withLock { $0.finishRoutingCalls } }

    package func unroutedInbound(limit: Int) async throws -> [Message] {
        try withState { state in state.unrouted.prefix(max(limit, 0)).compactMap { state.messages[$0]?.message } }
    }

    package func inbox(_ query: InboxQuery) async throws -> InboxPage {
        let limit = max(query.limit, 0)
        guard limit > 0 else { return InboxPage(items: [], nextCursor: nil) }
        return try withState { state in
            let viewer = query.viewer
            let ids = state.inboxItems.compactMap { id, item -> Int64? in
                let inScope =
                    switch query.scope {
                    case .mine: item.owner == viewer
                    case .common: item.owner == nil
                    case .all: item.owner == nil || item.owner == viewer
                    }
                guard inScope, query.before.map({ id < $0 }) ?? true else { return nil }
                if let read = query.read, state.inboxReads.contains(.init(itemID: id, username: viewer)) != read { return nil }
                if !query.filter.isEmpty {
                    guard let message = state.messages[item.messageID]?.message, query.filter.matches(message, receivedAt: item.receivedAt)
                    else { return nil }
                }
                return id
            }.sorted(by: >)
            let items = ids.prefix(limit).compactMap { state.item($0, viewer: viewer) }
            return InboxPage(items: items, nextCursor: ids.count > limit ? items.last?.id : nil)
        }
    }

    package func inboxItem(id: Int64, viewer: String) async throws -> InboxItem? {
        try withState { $0.item(id, viewer: viewer) }
    }

    package func markRead(itemID: Int64, username: String) async throws -> Bool {
        try withState { state in
            guard state.inboxItems[itemID] != nil else { return false }
            state.inboxReads.insert(.init(itemID: itemID, username: username))
            return true
        }
    }

    package func markUnread(itemID: Int64, username: String) async throws -> Bool {
        try withState { state in
            guard state.inboxItems[itemID] != nil else { return false }
            state.inboxReads.remove(.init(itemID: itemID, username: username))
            return true
        }
    }

    package func markAllRead(username: String, scope: InboxQuery.Scope, upTo: Int64?) async throws -> Int {
        try withState { state in
            var marked = 0
            for (id, item) in state.inboxItems where upTo.map({ id <= $0 }) ?? true {
                let inScope =
                    switch scope {
                    case .mine: item.owner == username
                    case .common: item.owner == nil
                    case .all: item.owner == nil || item.owner == username
                    }
                if inScope, state.inboxReads.insert(.init(itemID: id, username: username)).inserted { marked += 1 }
            }
            return marked
        }
    }

    package func unreadCount(viewer: String) async throws -> (mine: Int, common: Int) {
        try withState { state in
            var mine = 0
            var common = 0
            for (id, item) in state.inboxItems where !state.inboxReads.contains(.init(itemID: id, username: viewer)) {
                if item.owner == nil {
                    common += 1
                } else if item.owner == viewer {
                    mine += 1
                }
            }
            return (mine, common)
        }
    }
}

extension MemoryStore.State {
    /// An inbox item as `viewer` sees it (read flag is per user; `nil`: nobody has read it),
    /// with the form submission its message carried.
    func item(_ id: Int64, viewer: String?) -> InboxItem? {
        guard let item = inboxItems[id], let message = messages[item.messageID]?.message else { return nil }
        return InboxItem(
            id: id,
            message: message,
            owner: item.owner,
            read: viewer.map { inboxReads.contains(.init(itemID: id, username: $0)) } ?? false,
            receivedAt: item.receivedAt,
            formSubmissionID: formSeqByMessage[item.messageID].flatMap { formsBySeq[$0]?.id }
        )
    }
}
