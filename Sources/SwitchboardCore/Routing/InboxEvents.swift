import Foundation
import Synchronization

/// New inbox items as they land, for whoever shows inboxes live (the web pages' socket).
///
/// The router publishes an item only after `addToInbox` committed it, so a listener never
/// shows what a crash could take back. Each subscriber gets its own bounded stream: one that
/// falls more than `bufferLimit` items behind loses the oldest (a page reloads what it missed
/// through the paged listing), so a stuck reader never holds the router or the hub's memory.
package final class InboxEvents: Sendable {
    package static let bufferLimit = 1_000

    private let subscribers = Mutex<[Int: AsyncStream<InboxItem>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)

    package init() {}

    /// Items added from now on, in commit order, until the stream is dropped or `finish` ends it.
    package func subscribe() -> AsyncStream<InboxItem> {
        let (stream, continuation) = AsyncStream.makeStream(of: InboxItem.self, bufferingPolicy: .bufferingNewest(Self.bufferLimit))
        let id = nextID.add(1, ordering: .relaxed).newValue
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    /// Hands a committed item to every subscriber; never waits.
    package func publish(_ item: InboxItem) {
        let targets = subscribers.withLock { Array($0.values) }
        for continuation in targets { continuation.yield(item) }
    }

    /// Ends every stream (the hub is stopping).
    package func finish() {
        let targets = subscribers.withLock { state in
            defer { state.removeAll() }
            return Array(state.values)
        }
        for continuation in targets { continuation.finish() }
    }

    package var subscriberCount: Int { subscribers.withLock { $0.count } }
}
