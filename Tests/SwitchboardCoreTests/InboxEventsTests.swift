import Foundation
import SwitchboardCore
import Testing

/// The live inbox's source: the router publishes an item only once it is committed, and
/// nothing for a message a handler took.
@Suite("Inbox events")
struct InboxEventsTests {
    @Test(.timeLimit(.minutes(1))) func anItemIsPublishedAfterItsCommitAndAHandledMessageIsNot() async throws {
        let hub = try makeHub(autoReplies: [AutoReply(keyword: "ping", reply: "pong")])
        var events = hub.inboxEvents.subscribe().makeAsyncIterator()

        _ = try await hub.receive(InboundMessage(connector: "tester", from: .sms("+4711111111"), text: "ping"))
        let result = try await hub.receive(InboundMessage(connector: "tester", from: .sms("+4711111111"), text: "road closed"))

        let item = try #require(await events.next())
        #expect(item.id == result.inboxItemID, "the auto-replied message was not published; the next one was")
        #expect(item.message.text == "road closed")
        let stored = try await hub.store.inboxItem(id: item.id, viewer: "anyone")
        #expect(stored?.message.id == item.message.id, "what was published is in the store")
    }

    @Test func aSubscriberThatGoesAwayIsForgotten() async throws {
        let events = InboxEvents()
        var stream: AsyncStream<InboxItem>? = events.subscribe()
        #expect(events.subscriberCount == 1)
        _ = stream
        stream = nil
        #expect(events.subscriberCount == 0)
    }
}
