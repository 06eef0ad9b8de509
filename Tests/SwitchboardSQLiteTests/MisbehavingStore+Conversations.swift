import Foundation
import SwitchboardCore

/// One deliberate bug each in the conversation store, to show the conversation suite finds it.
enum ConversationFault: Sendable, Equatable, CaseIterable {
    /// Writes whatever it is given, as a store without the revision check would.
    case ignoreRevision
    /// Queues a turn's replies before, and apart from, its conversation writes.
    case repliesOutsideTheTurn
    /// Leaves the answered message unrouted.
    case keepUnrouted
    /// Fires a sign-out deadline without consuming it.
    case keepSignOut
    /// Lists due deadlines latest first.
    case dueLatestFirst
    /// Purges finished conversations however recent.
    case purgeIgnoresAge
    /// Starts every listing from the top, whatever the cursor.
    case ignoreCursor
    /// Reads a transcript latest first.
    case transcriptLatestFirst
    /// Never finds an answered message (the exactly-once check would let it through again).
    case forgetAnswered
    /// Queues a turn's replies though the turn claimed them.
    case ignoreReplyClaim
}

extension MisbehavingStore {
    private var conversationFault: ConversationFault? {
        if case .conversation(let fault) = fault { return fault }
        return nil
    }

    func ongoingConversation(connector: String, address: Address) async throws -> Conversation? {
        try await base.ongoingConversation(connector: connector, address: address)
    }
    func conversation(id: String) async throws -> Conversation? { try await base.conversation(id: id) }
    func transcript(conversationID: String, after seq: Int, limit: Int) async throws -> [ConversationEntry] {
        let entries = try await base.transcript(conversationID: conversationID, after: seq, limit: limit)
        return conversationFault == .transcriptLatestFirst ? entries.reversed() : entries
    }
    func transcriptHolds(inboundMessageID: String) async throws -> Bool {
        conversationFault == .forgetAnswered ? false : try await base.transcriptHolds(inboundMessageID: inboundMessageID)
    }
    func conversations(_ query: ConversationQuery) async throws -> ConversationPage {
        var query = query
        if conversationFault == .ignoreCursor { query.cursor = nil }
        return try await base.conversations(query)
    }
    func commitTurn(_ turn: ConversationTurn) async throws -> [Acceptance] {
        var turn = turn
        switch conversationFault {
        case .ignoreRevision:
            for index in turn.writes.indices where turn.writes[index].expectedRevision != nil {
                let stored = try await base.conversation(id: turn.writes[index].conversation.id)
                turn.writes[index].expectedRevision = stored?.revision ?? turn.writes[index].expectedRevision
            }
        case .repliesOutsideTheTurn:
            let acceptances = try await turn.replies.asyncMap { try await base.accept($0) }
            turn.replies = []
            _ = try await base.commitTurn(turn)
            return acceptances
        case .keepUnrouted: turn.routedMessageID = nil
        case .keepSignOut: turn.clearsSignOut = nil
        case .ignoreReplyClaim: turn.replyClaim = nil
        default: break
        }
        return try await base.commitTurn(turn)
    }
    func dueConversationDeadlines(now: Date, limit: Int) async throws -> [ConversationDeadline] {
        let due = try await base.dueConversationDeadlines(now: now, limit: limit)
        return conversationFault == .dueLatestFirst ? due.reversed() : due
    }
    func nextConversationDeadline() async throws -> Date? { try await base.nextConversationDeadline() }
    func setSignOutDeadline(_ deadline: SignOutDeadline) async throws { try await base.setSignOutDeadline(deadline) }
    func clearSignOutDeadline(connector: String, address: Address) async throws -> Bool {
        try await base.clearSignOutDeadline(connector: connector, address: address)
    }
    func purgeConversations(finishedBefore before: Date, limit: Int) async throws -> Int {
        try await base.purgeConversations(finishedBefore: conversationFault == .purgeIgnoresAge ? .distantFuture : before, limit: limit)
    }
    func ongoingConversationCounts() async throws -> [String: Int] { try await base.ongoingConversationCounts() }
}

extension Array where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
