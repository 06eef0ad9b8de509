import Foundation
import Logging
import SwitchboardTesting
import Synchronization
import Testing

@testable import SwitchboardCore

/// Claims as the dispatcher would, then loses the hand-off: a node that died between the
/// turn's commit and the send.
final class DroppedReplyDispatch: TurnReplyDispatch {
    let lease: TimeInterval
    let claims = Mutex<[ReplyClaim]>([])
    init(lease: TimeInterval) { self.lease = lease }
    func claimForTurn(_ deliveries: [Delivery]) -> ReplyClaim? {
        let at = Date()
        let claim = ReplyClaim(deliveryIDs: Set(deliveries.map(\.id)), at: at, leaseUntil: at.addingTimeInterval(lease))
        claims.withLock { $0.append(claim) }
        return claim
    }
    func release(_ claim: ReplyClaim) {}
    func handOff(_ acceptances: [Acceptance], claimed claim: ReplyClaim) async {}
}

/// A conversation turn commits its reply already claimed and the dispatcher sends it from
/// memory: no claim round, and every guarantee of the ordinary path kept.
@Suite("Conversations: a turn's reply is claimed in the turn and sent without a claim round")
struct TurnReplyHandOffTests {
    static let kari = Address.sms("+4712345678")

    /// Runs `body` while `hub`'s dispatcher runs (taking hand-offs), then stops it and waits
    /// until every send under way is recorded.
    func whileDispatching(_ hub: Hub, _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await hub.dispatcher.run() }
            while !hub.dispatcher.handOffs.isOpen { try await Task.sleep(for: .milliseconds(1)) }
            try await body()
            hub.dispatcher.stop()
            try await group.next()
        }
    }

    /// The party's one pending delivery (the turn's reply).
    func reply(_ hub: Hub) async throws -> Delivery {
        let pending = try await hub.store.pending(address: Self.kari)
        #expect(pending.count == 1)
        return try #require(pending.first?.delivery)
    }

    @Test func aTurnsReplyIsCommittedClaimedAndSentWithoutAClaimRound() async throws {
        let store = MemoryStore()
        let held = HeldConnector("tester")
        let hub = makeConversationHub(store: store, connectors: [held])
        try await whileDispatching(hub) {
            _ = try await hub.receive(InboundMessage(connector: "tester", from: Self.kari, text: "report"))
            // Committed with the turn as the dispatcher's claim, before anything was sent.
            #expect(try await reply(hub).status == .sending)
            await held.waitForStarts(1)
            held.open()
        }
        let sent = try await hub.store.pending(address: Self.kari)
        #expect(held.started.count == 1)
        #expect(sent.isEmpty)
        #expect(store.claimedByClaimRounds == 0)
    }

    @Test func aReplyWhoseSendFailsGoesBackToTheQueueAsAnyFailedSendDoes() async throws {
        let store = MemoryStore()
        let failing = HeldConnector("tester", failing: true)
        let hub = makeConversationHub(store: store, connectors: [failing])
        try await whileDispatching(hub) {
            _ = try await hub.receive(InboundMessage(connector: "tester", from: Self.kari, text: "report"))
            await failing.waitForStarts(1)
        }
        let delivery = try await reply(hub)
        #expect(delivery.status == .queued)
        #expect(delivery.attempts == 1)
        #expect(delivery.lastError?.contains("no network") == true)
        #expect(try #require(delivery.nextAttemptAt) > Date())
        #expect(store.claimedByClaimRounds == 0)
    }

    /// The node dies after the turn's commit and before the send: the reply is a claim like
    /// any other, which no claim round takes while its lease holds and the next one takes after.
    @Test func aReplyCommittedClaimedButNeverSentIsTakenByAClaimRoundAfterItsLease() async throws {
        let hub = makeConversationHub()
        let lost = DroppedReplyDispatch(lease: hub.dispatcher.configuration.lease)
        hub.conversations?.replyDispatch = lost
        _ = try await hub.receive(InboundMessage(connector: "tester", from: Self.kari, text: "report"))
        let claim = try #require(lost.claims.withLock { $0.first })
        let bucket = try #require(hub.bucket(named: "tester"))
        #expect(await hub.dispatcher.dispatchOnce(now: claim.at.addingTimeInterval(1)) == 0)
        #expect(bucket.sent().isEmpty)
        #expect(await hub.dispatcher.dispatchOnce(now: claim.leaseUntil.addingTimeInterval(1)) == 1)
        #expect(await hub.dispatcher.dispatchOnce(now: claim.leaseUntil.addingTimeInterval(2)) == 0)
        #expect(bucket.sent(to: Self.kari).map(\.text) == ["What happened?"])
    }

    /// A turn whose claim was taken just before the dispatcher stopped: its reply goes back to
    /// the queue untried (no attempt counted), for the next start.
    @Test func aReplyHandedAfterTheDispatcherStoppedGoesBackToTheQueueUntried() async throws {
        let store = MemoryStore()
        let hub = makeConversationHub(store: store)
        let submission = try await hub.prepare(
            SendRequest(to: [Self.kari.description], text: "late"),
            sender: "connector:tester",
            idempotencyKey: nil,
            replyVia: "tester"
        )
        var claim: ReplyClaim?
        try await whileDispatching(hub) {
            claim = hub.dispatcher.claimForTurn(submission.deliveries)
        }
        let taken = try #require(claim)
        #expect(hub.dispatcher.claimForTurn(submission.deliveries) == nil)
        var turn = ConversationTurn(replies: [submission])
        turn.replyClaim = taken
        let acceptances = try await store.commitTurn(turn)
        await hub.dispatcher.handOff(acceptances, claimed: taken)
        let delivery = try #require(try await store.message(id: submission.message.id)?.deliveries.first)
        #expect(delivery.status == .queued)
        #expect(delivery.attempts == 0)
        #expect(hub.dispatcher.handOffs.outstanding == 0)
        #expect(try #require(hub.bucket(named: "tester")).sent().isEmpty)
    }
}
