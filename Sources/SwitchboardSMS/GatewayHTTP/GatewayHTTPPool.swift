/// The connection pool of one `GatewayHTTPClient` as a plain state machine: events in, the
/// action to carry out back; no locks, sockets or continuations inside, so every rule is
/// tested without a network (`GatewayHTTPPoolTests`).
///
/// Rules: at most `capacity` connections open or being opened; one request per connection;
/// an idle connection is reused before a new one is opened (the most recently used first,
/// the least likely to have been closed by the gateway); when all are busy, requests wait in
/// arrival order. Shutdown refuses new requests, lets those under way and those already
/// waiting finish, and then hands back every idle connection to close, once.
struct GatewayHTTPPool<Connection, Waiter> {
    /// What a request is to do.
    enum Lease {
        case use(Connection)
        /// Open a new connection (already counted) and use it.
        case connect
        /// Wait: call `enqueue` with a waiter.
        case wait
        case refuse
    }

    /// What the client is to do after a connection came back, failed or closed.
    enum Next {
        case none
        /// Give `Connection` to `Waiter`.
        case handOver(Connection, Waiter)
        /// Tell `Waiter` to open a new connection (already counted).
        case connect(Waiter)
        /// Shutdown may finish: close these idle connections.
        case drained([Connection])
    }

    let capacity: Int
    /// Connections open or being opened.
    private(set) var open = 0
    /// Requests holding a connection or opening one.
    private(set) var leased = 0
    private var idle: [(id: Int, connection: Connection)] = []
    private var waiters: [(id: Int, waiter: Waiter)] = []
    private(set) var draining = false
    private var drained = false

    init(capacity: Int) { self.capacity = max(1, capacity) }

    var idleCount: Int { idle.count }
    var waiterCount: Int { waiters.count }

    /// A request wants a connection. `fresh` (a retry after a connection was found closed)
    /// prefers opening a new connection to reusing an idle one while below the cap; being
    /// part of a request already under way, it is not refused during shutdown.
    mutating func lease(fresh: Bool = false) -> Lease {
        if draining && !fresh { return .refuse }
        if !fresh, let last = idle.popLast() {
            leased += 1
            return .use(last.connection)
        }
        if open < capacity {
            open += 1
            leased += 1
            return .connect
        }
        if let last = idle.popLast() {
            leased += 1
            return .use(last.connection)
        }
        return .wait
    }

    /// After `lease` said `.wait`: queues `waiter`, or returns what it may do at once if a
    /// connection came back in between (then it is not queued).
    mutating func enqueue(_ waiter: Waiter, id: Int, fresh: Bool = false) -> Lease? {
        let now = lease(fresh: fresh)
        guard case .wait = now else { return now }
        waiters.append((id, waiter))
        return nil
    }

    /// A waiter gave up (its deadline passed): the waiter if it was still queued.
    mutating func cancelWaiter(id: Int) -> (Waiter?, Next) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return (nil, .none) }
        let waiter = waiters.remove(at: index).waiter
        return (waiter, drainIfDone())
    }

    /// A request is done with `connection`; `reusable` if it may carry another. A connection
    /// that is not reusable is closed by the caller.
    mutating func release(_ connection: Connection, id: Int, reusable: Bool) -> Next {
        leased -= 1
        if reusable {
            if !waiters.isEmpty {
                leased += 1
                return .handOver(connection, waiters.removeFirst().waiter)
            }
            idle.append((id, connection))
            return drainIfDone()
        }
        open -= 1
        return nextWaiterConnects()
    }

    /// Opening a connection failed; the request that tried has its error.
    mutating func connectFailed() -> Next {
        leased -= 1
        open -= 1
        return nextWaiterConnects()
    }

    /// A connection closed while idle in the pool (the gateway closed it, or it idled out).
    /// A connection that is leased is not in the pool: its request releases it, not reusable.
    mutating func closed(id: Int) {
        guard let index = idle.firstIndex(where: { $0.id == id }) else { return }
        idle.remove(at: index)
        open -= 1
    }

    /// Refuses new requests from now on; `.drained` at once if nothing is under way.
    mutating func shutdown() -> Next {
        draining = true
        return drainIfDone()
    }

    private mutating func nextWaiterConnects() -> Next {
        if !waiters.isEmpty, open < capacity {
            open += 1
            leased += 1
            return .connect(waiters.removeFirst().waiter)
        }
        return drainIfDone()
    }

    private mutating func drainIfDone() -> Next {
        guard draining, !drained, leased == 0, waiters.isEmpty else { return .none }
        drained = true
        let connections = idle.map(\.connection)
        open -= idle.count
        idle = []
        return .drained(connections)
    }
}
