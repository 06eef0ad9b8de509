import Foundation
import Testing

@testable import SwitchboardCore

/// The order one node hands a topic's changes on in when several nodes write it: every
/// revision once, in revision order, whichever node wrote it and whatever arrives first.
@Suite struct TopicRelayTests {
    static func change(_ revision: Int64, _ note: String = "") -> TopicChange {
        TopicChange(method: .post, row: TopicRow(["id": .text("r\(revision)"), "note": .text(note)]), revision: revision)
    }

    static func revisions(_ changes: [TopicChange]) -> [Int64] { changes.map(\.revision) }

    @Test func aChangeWrittenHereThatIsNextIsHandedOnAtOnceAndItsOwnNoticeReadsNothing() {
        var relay = TopicRelay()
        relay.start(at: 4)
        #expect(Self.revisions(relay.committedHere(Self.change(5), hasSubscribers: true)) == [5])
        #expect(Self.revisions(relay.committedHere(Self.change(6), hasSubscribers: true)) == [6])
        #expect(relay.delivered == 6)
        #expect(relay.noticed(6, hasSubscribers: true) == nil)
        #expect(relay.noticed(5, hasSubscribers: true) == nil)
    }

    /// Node B committed 5, this node 6 and was quicker to publish: 6 waits until 5 is read,
    /// and then goes out as it was broadcast here (its `modify`), not as read back.
    @Test func aChangeWrittenHereThatOvertookAnotherNodesWaitsForItInOrder() {
        var relay = TopicRelay()
        relay.start(at: 4)
        #expect(relay.committedHere(Self.change(6, "as broadcast here"), hasSubscribers: true).isEmpty)
        #expect(relay.waiting.keys.sorted() == [6])
        #expect(relay.noticed(5, hasSubscribers: true) == 4, "read above 4")
        let out = relay.read([Self.change(5, "read"), Self.change(6, "read")], through: 6)
        #expect(Self.revisions(out) == [5, 6])
        #expect(out[1].row["note"] == .text("as broadcast here"))
        #expect(relay.delivered == 6)
        #expect(relay.waiting.isEmpty)
    }

    /// A read that reaches only up to the missing revision releases the waiting changes
    /// that follow on from it.
    @Test func waitingChangesFollowOnOnceTheGapIsRead() {
        var relay = TopicRelay()
        relay.start(at: 0)
        #expect(relay.committedHere(Self.change(3), hasSubscribers: true).isEmpty)
        #expect(relay.committedHere(Self.change(4), hasSubscribers: true).isEmpty)
        #expect(Self.revisions(relay.read([Self.change(1), Self.change(2)], through: 2)) == [1, 2, 3, 4])
        #expect(relay.delivered == 4)
    }

    /// Two catch-ups that overlap (or a read that comes after a change written here went out)
    /// never hand a revision on twice, and a stale read does not move the count back.
    @Test func overlappingReadsHandEachRevisionOnOnce() {
        var relay = TopicRelay()
        relay.start(at: 10)
        #expect(Self.revisions(relay.read([Self.change(11), Self.change(12)], through: 12)) == [11, 12])
        #expect(Self.revisions(relay.committedHere(Self.change(13), hasSubscribers: true)) == [13])
        #expect(Self.revisions(relay.read([Self.change(11), Self.change(12), Self.change(13), Self.change(14)], through: 14)) == [14])
        #expect(relay.read([Self.change(12)], through: 12).isEmpty)
        #expect(relay.delivered == 14)
    }

    /// Without subscribers here nothing is read: the count moves on to what was noticed, and a
    /// change written here out of order goes out at once (to nobody) rather than waiting.
    @Test func withoutSubscribersTheCountMovesOnWithoutReading() {
        var relay = TopicRelay()
        relay.start(at: 2)
        #expect(relay.noticed(7, hasSubscribers: false) == nil)
        #expect(relay.delivered == 7)
        #expect(Self.revisions(relay.committedHere(Self.change(9), hasSubscribers: false)) == [9])
        #expect(relay.delivered == 9)
        #expect(relay.noticed(12, hasSubscribers: true) == 9)
    }

    /// Before the hub read the topic's revision at start, notices are ignored (prepare reads
    /// the revision after them), and a start never moves the count back.
    @Test func noticesBeforeTheStartAreIgnoredAndAStartNeverMovesBack() {
        var relay = TopicRelay()
        #expect(relay.noticed(3, hasSubscribers: true) == nil)
        #expect(relay.read([Self.change(1)], through: 1).isEmpty)
        relay.start(at: 5)
        relay.start(at: 4)
        #expect(relay.delivered == 5)
    }
}
