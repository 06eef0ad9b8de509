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
