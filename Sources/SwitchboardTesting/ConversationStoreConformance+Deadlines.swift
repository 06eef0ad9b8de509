import Foundation
import SwitchboardCore

// Deadlines (idle and sign-out), the sweeper's purge and the metrics' counts.
extension ConversationStoreConformance {
    /// Due deadlines of both kinds, earliest first, at most `limit`; finished conversations and
    /// ones without `expiresAt` never are.
    package func deadlinesAreDueEarliestFirst() async throws {
        let store = try await makeStore()
        try expectEqual(try await store.nextConversationDeadline(), nil, "an empty store has no deadline")
        func party(_ n: Int) -> Address { .sms("+47900000\(n)0") }
        let a = Fixture.conversation(address: party(1), expiresAt: StoreFixture.at(10))
        let b = Fixture.conversation(address: party(2), expiresAt: StoreFixture.at(5))
        let c = Fixture.conversation(address: party(3), expiresAt: StoreFixture.at(20))
        let finished = Fixture.conversation(address: party(4), status: .complete, expiresAt: StoreFixture.at(1))
        let timeless = Fixture.conversation(address: party(5))
        for conversation in [a, b, c, finished, timeless] { _ = try await store.commitTurn(Fixture.insert(conversation)) }
        let s1 = SignOutDeadline(connector: "xmpp", address: .xmpp("kari@example.org"), dueAt: StoreFixture.at(7))
        let s2 = SignOutDeadline(connector: "xmpp", address: .xmpp("ola@example.org"), dueAt: StoreFixture.at(30))
        try await store.setSignOutDeadline(s1)
        try await store.setSignOutDeadline(s2)

        try expectEqual(try await store.nextConversationDeadline()?.ms, StoreFixture.at(5).ms, "the earliest deadline of an ongoing one")
        let due = try await store.dueConversationDeadlines(now: StoreFixture.at(15), limit: 10).map(\.ms)
        try expectEqual(due, [.idle(b.stored), .signOut(s1.ms), .idle(a.stored)], "due deadlines, earliest first, of both kinds")
        let two = try await store.dueConversationDeadlines(now: StoreFixture.at(15), limit: 2).map(\.ms)
        try expectEqual(two, [.idle(b.stored), .signOut(s1.ms)], "at most limit, the earliest")
        try expectEqual(try await store.dueConversationDeadlines(now: StoreFixture.at(4), limit: 10), [], "nothing due before the first")
        try expectEqual(try await store.dueConversationDeadlines(now: StoreFixture.at(15), limit: 0), [], "limit 0")
        let exact = try await store.dueConversationDeadlines(now: StoreFixture.at(5), limit: 10).map(\.ms)
        try expectEqual(exact, [.idle(b.stored)], "a deadline is due at its instant")

        var expired = b.stored
        expired.status = .expired
        expired.endReason = "expired"
        expired.endedBy = "hub"
        _ = try await store.commitTurn(Fixture.update(expired))
        try expectEqual(try await store.nextConversationDeadline()?.ms, StoreFixture.at(7).ms, "an expired conversation's deadline is gone")
        let after = try await store.dueConversationDeadlines(now: StoreFixture.at(15), limit: 10).map(\.ms)
        try expectEqual(after, [.signOut(s1.ms), .idle(a.stored)], "a finished conversation is never due")
    }

    /// One sign-out deadline per connection: setting replaces, clearing says whether one was.
    package func signOutDeadlinesAreSetReplacedAndCleared() async throws {
        let store = try await makeStore()
        let kari: Address = .xmpp("kari@example.org")
        try await store.setSignOutDeadline(SignOutDeadline(connector: "xmpp", address: kari, dueAt: StoreFixture.at(60)))
        try expectEqual(try await store.nextConversationDeadline()?.ms, StoreFixture.at(60).ms, "a sign-out deadline is the next deadline")
        let later = SignOutDeadline(connector: "xmpp", address: kari, dueAt: StoreFixture.at(120))
        try await store.setSignOutDeadline(later)
        try expectEqual(try await store.dueConversationDeadlines(now: StoreFixture.at(61), limit: 10), [], "the replaced deadline is gone")
        let due = try await store.dueConversationDeadlines(now: StoreFixture.at(121), limit: 10).map(\.ms)
        try expectEqual(due, [.signOut(later.ms)], "one deadline per connection, the last set")
        let other = SignOutDeadline(connector: "xmpp-2", address: kari, dueAt: StoreFixture.at(90))
        try await store.setSignOutDeadline(other)
        try expectTrue(try await store.clearSignOutDeadline(connector: "xmpp", address: kari), "clearing a set deadline")
        try expectTrue(!(try await store.clearSignOutDeadline(connector: "xmpp", address: kari)), "clearing again finds none")
        let left = try await store.dueConversationDeadlines(now: StoreFixture.at(200), limit: 10).map(\.ms)
        try expectEqual(left, [.signOut(other.ms)], "the same address on another connector is another connection")
        try await store.clearSignOutDeadline(connector: "xmpp-2", address: kari)
        try expectEqual(try await store.nextConversationDeadline(), nil, "no deadline left")
    }

    /// A turn that fires a sign-out consumes it; firing it again, or one replaced or cleared
    /// since it was read, is refused with nothing committed.
    package func aFiredSignOutIsConsumedOnce() async throws {
        let store = try await makeStore()
        let kari: Address = .xmpp("kari@example.org")
        let c = Fixture.conversation(connector: "xmpp", address: kari)
        _ = try await store.commitTurn(Fixture.insert(c))
        let deadline = SignOutDeadline(connector: "xmpp", address: kari, dueAt: StoreFixture.at(60))
        try await store.setSignOutDeadline(deadline)
        let fired = try unwrap(try await store.dueConversationDeadlines(now: StoreFixture.at(61), limit: 10).first, "the deadline is due")
        guard case .signOut(let read) = fired else {
            throw ConformanceFailure(check: #function, message: "a sign-out was due", file: #filePath, line: #line)
        }
        var aborted = c.stored
        aborted.status = .aborted
        aborted.endReason = "signed out"
        aborted.endedBy = "hub"
        _ = try await store.commitTurn(ConversationTurn(writes: [.init(conversation: aborted, expectedRevision: 1)], clearsSignOut: read))
        try expectEqual(try await store.dueConversationDeadlines(now: StoreFixture.at(61), limit: 10), [], "a fired deadline is consumed")
        try expectEqual(try await store.conversation(id: c.id)?.status, .aborted, "and its conversation aborted")
        try await expectError(.conflict, "sign_out_changed", "firing the same deadline twice") {
            try await store.commitTurn(ConversationTurn(clearsSignOut: read))
        }

        try await store.setSignOutDeadline(deadline)
        let replaced = SignOutDeadline(connector: "xmpp", address: kari, dueAt: StoreFixture.at(90))
        try await store.setSignOutDeadline(replaced)
        let fresh = Fixture.conversation(connector: "xmpp", address: .xmpp("ola@example.org"))
        try await expectError(.conflict, "sign_out_changed", "firing a deadline set again since it was read") {
            try await store.commitTurn(ConversationTurn(writes: [.init(conversation: fresh, expectedRevision: nil)], clearsSignOut: read))
        }
        try expectEqual(try await store.conversation(id: fresh.id), nil, "the refused turn stored nothing")
        let still = try await store.dueConversationDeadlines(now: StoreFixture.at(91), limit: 10).map(\.ms)
        try expectEqual(still, [.signOut(replaced.ms)], "the newer deadline is kept")
        try await store.clearSignOutDeadline(connector: "xmpp", address: kari)
        try await expectError(.conflict, "sign_out_changed", "firing a deadline cleared since (the party came back)") {
            try await store.commitTurn(ConversationTurn(clearsSignOut: replaced))
        }
    }

    /// Only finished conversations last updated before the cut-off go, at most `limit` a call.
    package func purgeTakesOnlyOldFinishedOnes() async throws {
        let store = try await makeStore()
        var ids: [String: String] = [:]
        let plan: [(String, ConversationStatus, Double)] = [
            ("complete", .complete, 10), ("aborted", .aborted, 20), ("expired", .expired, 30), ("ongoing", .ongoing, 5), ("recent", .complete, 100),
        ]
        for (index, (name, status, updated)) in plan.enumerated() {
            var c = Fixture.conversation(address: .sms("+4791\(index)00000"), status: status)
            c.updatedAt = StoreFixture.at(updated)
            ids[name] = c.id
            _ = try await store.commitTurn(Fixture.insert(c))
        }
        try expectEqual(try await store.purgeConversations(finishedBefore: StoreFixture.at(50), limit: 0), 0, "limit 0 purges nothing")
        try expectEqual(try await store.purgeConversations(finishedBefore: StoreFixture.at(50), limit: 2), 2, "at most limit")
        try expectEqual(try await store.purgeConversations(finishedBefore: StoreFixture.at(50), limit: 10), 1, "the rest")
        try expectEqual(try await store.purgeConversations(finishedBefore: StoreFixture.at(50), limit: 10), 0, "none left")
        for name in ["complete", "aborted", "expired"] {
            try expectEqual(try await store.conversation(id: ids[name]!), nil, "an old \(name) conversation is purged")
        }
        try expectTrue(try await store.conversation(id: ids["ongoing"]!) != nil, "an ongoing conversation is never purged")
        try expectTrue(try await store.conversation(id: ids["recent"]!) != nil, "a recently finished one is kept")
    }

    /// Ongoing conversations by responder; finished ones are not counted.
    package func ongoingCountsByResponder() async throws {
        let store = try await makeStore()
        try expectEqual(try await store.ongoingConversationCounts(), [:], "an empty store counts nothing")
        let plan: [(String, ConversationStatus)] = [
            ("report", .ongoing), ("report", .ongoing), ("survey", .ongoing), ("report", .complete), ("poll", .expired),
        ]
        for (index, (responder, status)) in plan.enumerated() {
            _ = try await store.commitTurn(
                Fixture.insert(Fixture.conversation(responder: responder, address: .sms("+4792\(index)00000"), status: status))
            )
        }
        try expectEqual(try await store.ongoingConversationCounts(), ["report": 2, "survey": 1], "ongoing ones by responder")
    }
}
