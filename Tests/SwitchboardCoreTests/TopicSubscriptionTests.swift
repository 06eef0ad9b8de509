import Foundation
import Testing

@testable import SwitchboardCore

/// The history-then-live handover of one subscription, driven step by step: which broadcasts
/// a subscriber gets depends only on revisions, never on when the broadcast happens.
@Suite("Topic subscription handover")
struct TopicSubscriptionTests {
    func subscription() -> TopicSubscription {
        TopicSubscription(topic: TopicDefinition(name: "t", columns: []), filters: []) { _ in }
    }

    /// A writer commits revision 5, the subscriber reads history at 5 (the row is in it),
    /// goes live, and only then does the writer broadcast: the row must not come twice.
    @Test func aBroadcastTheHistoryAlreadyHoldsIsNotSentAgainAfterGoingLive() {
        let s = subscription()
        s.goLive(history: ["row5"], revision: 5)
        s.offer("row5", revision: 5)
        s.offer("row4", revision: 4)
        s.offer("row6", revision: 6)
        let taken = s.takeAvailable()
        #expect(taken.frames.count == 3)
        #expect(taken.frames.first == "row5")
        #expect(taken.frames.last == "row6")
    }

    /// Broadcasts before going live wait, and only those newer than the history are kept.
    @Test func bufferedBroadcastsNewerThanTheHistoryFollowTheReadyFrame() {
        let s = subscription()
        s.offer("row3", revision: 3)
        s.offer("row4", revision: 4)
        s.goLive(history: ["row3"], revision: 3)
        let taken = s.takeAvailable()
        #expect(taken.frames.count == 3)
        #expect(taken.frames.first == "row3")
        #expect(taken.frames.last == "row4")
    }
}
