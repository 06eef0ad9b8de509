import Foundation
import Logging
import ServiceLifecycle

/// Fires conversation deadlines and keeps the store tidy: ongoing conversations idle past
/// `expiresAt` become `expired` (and the party is told), parties who signed out and did not
/// come back in time have their ongoing conversation aborted, and finished conversations are
/// purged after `conversations.retention`. The seed's two sweepers, as one service.
///
/// Deadlines are rows in the store, not timers: the sweeper sleeps until the earliest one it
/// knows of (or `sweep_interval`, or a sign-out rings it), so a deadline fires after a
/// restart too. Each one is acted on under the connection's lock and committed with the
/// store's revision check, so it fires once even when the party answers at that moment.
package struct ConversationSweeper: Service {
    package let engine: ConversationEngine
    /// At most this many deadlines or purged conversations per store call.
    let batch = 100

    /// The cluster's `sweeper` lease: deadlines fire only on the node holding it (nil: always).
    package let lease: LeaseKeeper?

    package init(engine: ConversationEngine, lease: LeaseKeeper? = nil) {
        self.engine = engine
        self.lease = lease
    }

    /// What one sweep did.
    package struct Report: Equatable, Sendable {
        package var expired = 0
        package var signedOut = 0
        package var purged = 0
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                // At most an hour between looks, whatever the configuration says.
                var wait = min(engine.settings.sweepInterval, 3600)
                do {
                    try await sweepIfHolder(now: engine.now())
                    if let next = try await engine.store.nextConversationDeadline() {
                        wait = min(wait, max(0.01, next.timeIntervalSince(engine.now())))
                    }
                } catch is CancellationError {
                    return
                } catch {
                    engine.logger.error("conversation sweep failed; trying again later", metadata: ["error": "\(error)"])
                }
                await engine.deadlineBell.wait(timeout: .milliseconds(Int64(wait * 1000)))
            }
        }
    }

    /// Sweeps when this node holds the cluster's `sweeper` lease; nil when another node does.
    @discardableResult
    package func sweepIfHolder(now: Date) async throws -> Report? {
        guard lease?.isHolder ?? true else { return nil }
        return try await sweepOnce(now: now)
    }

    /// Fires every deadline due at `now`, purges what is past retention and refreshes the
    /// ongoing gauge. Tests call it with their own clock.
    @discardableResult
    package func sweepOnce(now: Date) async throws -> Report {
        var report = Report()
        // Bounded: a deadline that keeps losing to the party's answers waits for the next sweep.
        for _ in 0..<10 {
            let due = try await engine.store.dueConversationDeadlines(now: now, limit: batch)
            var acted = 0
            for deadline in due {
                switch deadline {
                case .idle(let conversation):
                    if try await expire(conversation.id, key: PartyKey(connector: conversation.connector, address: conversation.address), now: now) {
                        report.expired += 1
                        acted += 1
                    }
                case .signOut(let signOut):
                    if try await abort(signOut, now: now) {
                        report.signedOut += 1
                        acted += 1
                    }
                }
            }
            if due.count < batch || acted == 0 { break }
        }
        for _ in 0..<10 {
            let purged = try await engine.store.purgeConversations(finishedBefore: now.addingTimeInterval(-engine.settings.retention), limit: batch)
            report.purged += purged
            if purged < batch { break }
        }
        engine.metrics.purged.increment(by: report.purged)
        engine.metrics.ongoing(try await engine.store.ongoingConversationCounts(), responders: engine.responders.names)
        return report
    }

    /// Marks one conversation expired if it still is ongoing and past its deadline.
    func expire(_ id: String, key: PartyKey, now: Date) async throws -> Bool {
        try await engine.locks.withLock(key) {
            guard let fresh = try await engine.store.conversation(id: id), fresh.status == .ongoing,
                let deadline = fresh.expiresAt, deadline <= now
            else { return false }
            var updated = fresh
            updated.finish(.expired, reason: "expired", by: "hub", at: now)
            let prefix = engine.settings.commandPrefix(for: fresh.connector)
            let notice =
                "This conversation (\(fresh.responder)) has expired: no answer came in time. Send \(prefix)new \(fresh.responder) to start again."
            var draft = TurnDraft()
            let key = "conversation:\(fresh.id):expired"
            let entry = try await engine.reply(notice, connector: fresh.connector, to: fresh.address, key: key, into: &draft)
            draft.write(updated, expected: fresh.revision, appending: entry.map { [$0] } ?? [])
            guard try await commit(draft) else { return false }
            engine.metrics.expired.increment()
            return true
        }
    }

    /// Aborts the ongoing conversation of a party who signed out and clears the deadline, in
    /// one turn.
    func abort(_ signOut: SignOutDeadline, now: Date) async throws -> Bool {
        try await engine.locks.withLock(PartyKey(connector: signOut.connector, address: signOut.address)) {
            var draft = TurnDraft()
            draft.clearsSignOut = signOut
            let ongoing = try await engine.store.ongoingConversation(connector: signOut.connector, address: signOut.address)
            if let ongoing {
                var updated = ongoing
                updated.finish(.aborted, reason: "signed out", by: "hub", at: now)
                let notice = "This conversation (\(ongoing.responder)) has ended because you signed out."
                let key = "conversation:\(ongoing.id):signout"
                let entry = try await engine.reply(notice, connector: ongoing.connector, to: ongoing.address, key: key, into: &draft)
                draft.write(updated, expected: ongoing.revision, appending: entry.map { [$0] } ?? [])
            }
            guard try await commit(draft) else { return false }
            if ongoing != nil { engine.metrics.signedOut.increment() }
            return ongoing != nil
        }
    }

    /// Commits a sweeper's turn; `false` when the conversation changed first (the party
    /// answered): the deadline is then looked at again by a later sweep.
    func commit(_ draft: TurnDraft) async throws -> Bool {
        do {
            engine.accepted(try await engine.store.commitTurn(draft.turn))
            return true
        } catch let error as SwitchboardError
            where error.kind == .conflict && (ConversationEngine.retryableConflicts.contains(error.code) || error.code == "sign_out_changed")
        {
            return false
        }
    }
}

extension ConversationEngine {
    /// A party came online or went offline: online clears their sign-out deadline, offline
    /// sets one (`conversations.signout_timeout` from the event) if they have an ongoing
    /// conversation, and wakes the sweeper so it knows the new deadline.
    package func presenceChanged(_ event: PresenceEvent) async throws {
        if event.available {
            try await store.clearSignOutDeadline(connector: event.connector, address: event.address)
            return
        }
        guard try await store.ongoingConversation(connector: event.connector, address: event.address) != nil else { return }
        let due = event.at.addingTimeInterval(settings.signOutTimeout)
        try await store.setSignOutDeadline(SignOutDeadline(connector: event.connector, address: event.address, dueAt: due))
        deadlineBell.ring()
    }
}
