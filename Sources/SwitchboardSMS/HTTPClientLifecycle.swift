import AsyncHTTPClient
import Synchronization

/// Owns one connector's `HTTPClient`: made on first use, shut down once every request under
/// way has finished.
///
/// Why not make it in the connector's `init`: AsyncHTTPClient traps in debug builds when a
/// client is released without `shutdown()`, and connectors are also made just to check a
/// configuration. Why not `HTTPClient.shared`: the connector needs its own redirect, pool
/// and connect settings. The client runs on AsyncHTTPClient's default group, which is
/// NIO's process-wide singleton, so no threads are started per connector.
final class HTTPClientLifecycle: Sendable {
    private typealias Waiter = CheckedContinuation<HTTPClient?, Never>
    private enum State {
        case idle
        case running(HTTPClient, leases: Int)
        /// Shutting down: no new leases; the waiters are told when the last lease comes back.
        case draining(HTTPClient, leases: Int, waiters: [Waiter])
        case closed
    }

    private let configuration: HTTPClient.Configuration
    private let state = Mutex<State>(.idle)

    init(configuration: HTTPClient.Configuration) { self.configuration = Self.untraced(configuration) }

    /// `configuration` without request tracing. AsyncHTTPClient traces with the process's
    /// bootstrapped tracer, which the hub never bootstraps: the default no-op tracer still
    /// opened a span and parsed the URL a second time for its attributes on every request,
    /// about 4 % of a node's CPU per message sent through an HTTP gateway (`perf`, issue 14).
    static func untraced(_ configuration: HTTPClient.Configuration) -> HTTPClient.Configuration {
        var configuration = configuration
        configuration.tracing.tracer = nil
        return configuration
    }

    /// Whether requests are traced (never; see `untraced`).
    var traces: Bool { configuration.tracing.tracer != nil }

    /// The client for one request, or `nil` once shutdown has begun; pair with `giveBack()`.
    func lease() -> HTTPClient? {
        state.withLock { s in
            switch s {
            case .idle:
                let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
                s = .running(client, leases: 1)
                return client
            case .running(let client, let leases):
                s = .running(client, leases: leases + 1)
                return client
            case .draining, .closed:
                return nil
            }
        }
    }

    func giveBack() {
        let release: (HTTPClient, [Waiter])? = state.withLock { s in
            switch s {
            case .running(let client, let leases):
                s = .running(client, leases: leases - 1)
            case .draining(let client, let leases, let waiters):
                if leases > 1 {
                    s = .draining(client, leases: leases - 1, waiters: waiters)
                    return nil
                }
                s = .closed
                return (client, waiters)
            case .idle, .closed:
                assertionFailure("giveBack() without lease()")
            }
            return nil
        }
        guard let (client, waiters) = release else { return }
        // The first waiter shuts the client down; the others only learn it is over.
        for (i, waiter) in waiters.enumerated() { waiter.resume(returning: i == 0 ? client : nil) }
    }

    /// Refuses new leases, waits for the ones out, then shuts the client down. A second call
    /// returns once the leases are back, possibly before the first has finished closing.
    func shutdown() async {
        let client: HTTPClient? = await withCheckedContinuation { (waiter: Waiter) in
            let now: (resume: Bool, client: HTTPClient?) = state.withLock { s in
                switch s {
                case .idle, .closed:
                    s = .closed
                    return (true, nil)
                case .running(let client, let leases):
                    if leases == 0 {
                        s = .closed
                        return (true, client)
                    }
                    s = .draining(client, leases: leases, waiters: [waiter])
                case .draining(let client, let leases, let waiters):
                    s = .draining(client, leases: leases, waiters: waiters + [waiter])
                }
                return (false, nil)
            }
            if now.resume { waiter.resume(returning: now.client) }
        }
        if let client { try? await client.shutdown() }
    }
}
