import Foundation
import Logging
import SwitchboardCore
import Synchronization
import Testing

@testable import SwitchboardServer

/// A node that was deaf to other nodes' inbox items tells every live inbox page `ready`
/// again, so the page reads its counts and list as after a reconnect.
@Suite struct InboxFeedResyncTests {
    @Test func aResumedListeningConnectionSendsEveryInboxSocketReadyAgain() async throws {
        let notices = ClusterNotices()
        let feed = InboxFeed(
            events: InboxEvents(),
            store: MemoryStore(),
            settings: ServerSettings(),
            noText: "",
            notices: notices,
            logger: Logger(label: "test")
        )
        let sent = Mutex<[String]>([])
        _ = feed.add(InboxFeed.Listener(user: "alice") { frame in sent.withLock { $0.append(frame) } })
        let running = Task { try await feed.run() }
        for _ in 0..<10_000 where notices.handlerCount == 0 { await Task.yield() }
        #expect(notices.handlerCount == 1, "the feed listens while it runs")

        // A poll while deaf, or the first listening, is no news for the pages.
        await notices.deliver(.resync(resumed: false))
        await notices.deliver(.topic(table: "chat", revision: 3))
        #expect(sent.withLock { $0 }.isEmpty)
        await notices.deliver(.resync(resumed: true))
        #expect(sent.withLock { $0 } == [#"{"type":"ready"}"#])

        running.cancel()
        _ = try? await running.value
        #expect(notices.handlerCount == 0, "a stopped feed no longer listens")
    }
}
