import Testing

@testable import SwitchboardSMS

/// The pool's rules, event by event, with strings for connections and waiters.
@Suite struct GatewayHTTPPoolTests {
    typealias Pool = GatewayHTTPPool<String, String>

    static func used(_ lease: Pool.Lease) -> String? { if case .use(let c) = lease { c } else { nil } }
    static func connects(_ lease: Pool.Lease) -> Bool { if case .connect = lease { true } else { false } }
    static func waits(_ lease: Pool.Lease) -> Bool { if case .wait = lease { true } else { false } }

    @Test func opensUpToTheCapThenReusesTheMostRecentlyUsedIdleConnection() {
        var pool = Pool(capacity: 2)
        #expect(Self.connects(pool.lease()))
        #expect(Self.connects(pool.lease()))
        #expect(Self.waits(pool.lease()))
        _ = pool.release("a", id: 1, reusable: true)
        _ = pool.release("b", id: 2, reusable: true)
        #expect(pool.open == 2 && pool.leased == 0)
        #expect(Self.used(pool.lease()) == "b")
        #expect(Self.used(pool.lease()) == "a")
    }

    @Test func waitersAreServedInArrivalOrder() {
        var pool = Pool(capacity: 1)
        #expect(Self.connects(pool.lease()))
        #expect(pool.enqueue("first", id: 1) == nil)
        #expect(pool.enqueue("second", id: 2) == nil)
        guard case .handOver("a", "first") = pool.release("a", id: 10, reusable: true) else {
            Issue.record("the first waiter did not get the connection")
            return
        }
        // The connection is not reusable: the next waiter opens a new one in its place.
        guard case .connect("second") = pool.release("a", id: 10, reusable: false) else {
            Issue.record("the second waiter was not told to connect")
            return
        }
        #expect(pool.open == 1 && pool.leased == 1 && pool.waiterCount == 0)
    }

    @Test func aRetryOpensAFreshConnectionWhileBelowTheCapAndIsNotRefusedDuringShutdown() {
        var pool = Pool(capacity: 2)
        #expect(Self.connects(pool.lease()))
        _ = pool.release("a", id: 1, reusable: true)
        #expect(Self.connects(pool.lease(fresh: true)))
        _ = pool.shutdown()
        #expect(Self.used(pool.lease(fresh: true)) == "a")
        guard case .refuse = pool.lease() else {
            Issue.record("a new request was not refused during shutdown")
            return
        }
    }

    @Test func anIdleConnectionThatClosedIsForgottenButALeasedOneWaitsForItsRelease() {
        var pool = Pool(capacity: 2)
        #expect(Self.connects(pool.lease()))
        #expect(Self.connects(pool.lease()))
        _ = pool.release("a", id: 1, reusable: true)
        pool.closed(id: 1)
        pool.closed(id: 2)  // leased: its request releases it
        #expect(pool.open == 1 && pool.idleCount == 0)
        _ = pool.release("b", id: 2, reusable: false)
        #expect(pool.open == 0 && pool.leased == 0)
    }

    @Test func shutdownDrainsOnceWhenTheLastRequestAndWaiterAreDone() {
        var pool = Pool(capacity: 1)
        #expect(Self.connects(pool.lease()))
        #expect(pool.enqueue("w", id: 1) == nil)
        guard case .none = pool.shutdown() else {
            Issue.record("drained with a request under way")
            return
        }
        guard case .handOver("a", "w") = pool.release("a", id: 5, reusable: true) else {
            Issue.record("a waiter from before shutdown was not served")
            return
        }
        guard case .drained(let idle) = pool.release("a", id: 5, reusable: true) else {
            Issue.record("not drained after the last request")
            return
        }
        #expect(idle == ["a"] && pool.open == 0)
        guard case .none = pool.shutdown() else {
            Issue.record("drained twice")
            return
        }
    }

    @Test func aWaiterWhoseDeadlinePassedLeavesTheQueue() {
        var pool = Pool(capacity: 1)
        #expect(Self.connects(pool.lease()))
        #expect(pool.enqueue("w", id: 7) == nil)
        #expect(pool.cancelWaiter(id: 7).0 == "w")
        #expect(pool.cancelWaiter(id: 7).0 == nil)
        guard case .none = pool.release("a", id: 1, reusable: true) else {
            Issue.record("a cancelled waiter was served")
            return
        }
        #expect(pool.idleCount == 1)
    }
}
