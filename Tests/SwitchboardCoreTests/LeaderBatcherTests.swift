import SwitchboardCore
import Synchronization
import Testing

@Suite("Leader batching")
struct LeaderBatcherTests {
    /// While one batch is processed, later items queue and go together in the next one; each
    /// caller gets the outcome of its own item.
    @Test func itemsThatArriveDuringABatchShareTheNextAndEachGetsItsOwnOutcome() async throws {
        let batches = Mutex<[[Int]]>([])
        let batcher = LeaderBatcher<Int, String> { items in
            batches.withLock { $0.append(items) }
            try? await Task.sleep(for: .milliseconds(50))  // a slow flush
            return items.map { "done \($0)" }
        }
        let outcomes = await withTaskGroup(of: (Int, String).self) { group in
            for i in 0..<50 { group.addTask { (i, await batcher.submit(i)) } }
            return await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.count == 50 && outcomes.allSatisfy { $0.value == "done \($0.key)" })
        let seen = batches.withLock { $0 }
        #expect(seen.flatMap { $0 }.sorted() == Array(0..<50), "every item processed exactly once")
        #expect(seen.count < 50 && seen.contains { $0.count > 1 }, "items waiting behind a batch were processed together: \(seen.map(\.count))")
    }

    /// The leader's task is cancelled (a connector's task group stopping) while it leads: the
    /// items of others in its batches are processed outside that cancellation, as GRDB would
    /// otherwise fail a whole group commit on it; the leader's own item is processed too.
    @Test func aCancelledLeaderDoesNotCancelTheBatchesItLeads() async {
        let (started, release) = (Latch(), Latch())
        let batcher = LeaderBatcher<Int, Bool> { items in
            if items.contains(1) {
                started.open()
                await release.wait()
            }
            return items.map { _ in !Task.isCancelled }  // true: processed without cancellation
        }
        let leader = Task { await batcher.submit(1) }
        await started.wait()
        leader.cancel()
        async let follower = batcher.submit(2)
        while batcher.waiting == 0 { await Task.yield() }  // 2 waits behind the batch under way
        release.open()
        #expect(await follower, "the follower's item was processed under the leader's cancellation")
        #expect(await leader.value, "the leader's own item was processed under its cancellation")
    }

    @Test func aLoneItemIsProcessedAtOnceAndTheLeaderStepsDown() async {
        let calls = Atomic<Int>(0)
        let batcher = LeaderBatcher<Int, Int> { items in
            calls.add(1, ordering: .relaxed)
            return items.map { $0 * 2 }
        }
        #expect(await batcher.submit(21) == 42)
        #expect(await batcher.submit(4) == 8, "a new leader takes over after the last one stepped down")
        #expect(calls.load(ordering: .relaxed) == 2)
    }
}
