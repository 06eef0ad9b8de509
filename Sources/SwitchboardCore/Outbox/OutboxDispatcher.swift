import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Sends what the outbox holds: claims due deliveries under a lease, sends each over its
/// channel's route of connectors in order, and records every attempt.
///
/// Woken at once by `wake()` when new deliveries are committed; polls only as a fallback.
/// A delivery claimed by a worker that dies is claimed again once its lease runs out; while
/// a send is in flight its lease is extended (`ClaimHeartbeat`), so a slow send is not.
/// Before claiming it ignores what has waited past its channel's autocancel age, and where
/// a channel packs, several deliveries due for one address leave as one message.
///
/// Graceful shutdown drains, as swift-jobs' `JobQueueProcessor` does: it stops claiming,
/// lets the sends under way finish (for at most `shutdownGrace`, then cancels them), puts
/// claimed deliveries that have not started back in the queue, and records every outcome on
/// a path the shutdown's cancellation cannot interrupt (see `OutcomeRecorder`), so nothing
/// handed to a gateway is left `sending` to go out again after a restart.
package final class OutboxDispatcher: Service, Sendable {
    package struct Configuration: Sendable {
        package var workers: Int
        package var pollInterval: Duration
        package var lease: TimeInterval
        package var retry: RetryPolicy
        /// On graceful shutdown, how long sends under way may take to finish before they are cancelled.
        package var shutdownGrace: Duration
        /// Where retry jitter comes from; tests give a seeded or fixed source.
        package var random: RandomSource
        package init(
            workers: Int = 16,
            pollInterval: Duration = .seconds(1),
            lease: TimeInterval = 60,
            retry: RetryPolicy = .init(),
            shutdownGrace: Duration = .seconds(30),
            random: RandomSource = .system
        ) {
            self.workers = workers
            self.pollInterval = pollInterval
            self.lease = lease
            self.retry = retry
            self.shutdownGrace = shutdownGrace
            self.random = random
        }
        package init(_ s: DispatcherSettings) {
            self.init(
                workers: s.workers,
                pollInterval: .milliseconds(Int(s.pollInterval * 1000)),
                lease: s.lease,
                retry: RetryPolicy(
                    delay: s.retryDelay,
                    factor: s.retryFactor,
                    maxDelay: s.retryMaxDelay,
                    limit: s.retryLimit,
                    jitter: s.retryJitter
                ),
                shutdownGrace: .milliseconds(Int((s.shutdownGrace * 1000).rounded()))
            )
        }
    }

    let configuration: Configuration
    let store: any HubStore
    let connectors: ConnectorRegistry
    let channels: [ChannelName: ChannelSettings]
    let packers: [ChannelName: MessagePacker]
    /// One gate per connector: in-flight and throughput limits, cool-down after failures.
    package let gates: [String: ConnectorGate]
    /// The connectors that report their own link (a modem), for what a refusal means.
    let links: [String: any ConnectorLinkReporting]
    let dispatchSettings: [String: ConnectorDispatchSettings]
    let logger: Logger
    let doorbell = Doorbell()
    let sweeper: AutocancelSweeper
    /// Whether this node runs the sweeps now (it holds the cluster's `sweeper` lease).
    let sweepsNow: @Sendable () -> Bool
    /// The single-owner connectors and what this node may claim because of them.
    let owners: ConnectorOwners
    /// Outcomes of concurrent sends share one transaction.
    let recorder: OutcomeRecorder
    /// Extends the claims of sends in flight while `run()` runs.
    package let heartbeat: ClaimHeartbeat
    /// `workers` sends at a time.
    let workerPermits: AsyncSemaphore
    /// Sends whose outcome is not committed yet, at most `maxUnrecorded`: the most a crash
    /// can send twice. Outcomes of that many sends can share one commit.
    let unrecordedPermits: AsyncSemaphore
    let fallback: ChannelFallback
    /// Conversation turns' replies claimed in the turn's own transaction, sent from memory.
    let handOffs: ReplyHandOff
    /// Set once by `stop()`: claim nothing more, start no send.
    private let stopping = Mutex(false)
    /// Finished by `stop()`; the shutdown grace period starts then.
    private let stopped: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation) = AsyncStream.makeStream()

    package init(
        configuration: Configuration,
        store: any HubStore,
        connectors: ConnectorRegistry,
        channels: [ChannelName: ChannelSettings],
        connectorSettings: [ConnectorSettings] = [],
        packers: [ChannelName: MessagePacker] = [:],
        logger: Logger,
        sweepsNow: @escaping @Sendable () -> Bool = { true },
        owners: ConnectorOwners = ConnectorOwners(),
        sharedSlots: (any SharedSendSlots)? = nil
    ) {
        self.sweepsNow = sweepsNow
        self.owners = owners
        self.configuration = configuration
        self.store = store
        self.connectors = connectors
        self.channels = channels
        self.logger = logger
        self.packers = packers.filter { channels[$0.key]?.packing != nil }
        let settings = Dictionary(connectorSettings.map { ($0.name, $0.dispatch) }, uniquingKeysWith: { a, _ in a })
        self.dispatchSettings = settings
        self.gates = Dictionary(
            uniqueKeysWithValues: connectors.names.map { name in
                (name, Self.gate(name, settings[name]?.gate ?? .init(), shared: owners[name] == nil ? sharedSlots : nil, logger))
            }
        )
        self.links = Dictionary(
            connectors.all.compactMap { c in (c as? any ConnectorLinkReporting).map { (c.name, $0) } },
            uniquingKeysWith: { a, _ in a }
        )
        self.sweeper = AutocancelSweeper(channels: channels)
        self.recorder = OutcomeRecorder(store: store, logger: logger)
        self.heartbeat = ClaimHeartbeat(store: store, lease: configuration.lease, logger: logger)
        self.workerPermits = AsyncSemaphore(permits: max(1, configuration.workers))
        self.unrecordedPermits = AsyncSemaphore(permits: Self.maxUnrecorded(workers: configuration.workers))
        self.fallback = ChannelFallback(store: store, channels: channels, logger: logger)
        self.handOffs = ReplyHandOff(limit: max(configuration.workers * 8, 32))
    }

    /// A connector's gate; its throughput counted for the cluster when the store shares send
    /// slots (a single-owner connector sends from one node only and needs none).
    static func gate(
        _ name: String,
        _ configuration: ConnectorGate.Configuration,
        shared: (any SharedSendSlots)?,
        _ logger: Logger
    )
        -> ConnectorGate
    {
        guard let shared, let rate = configuration.throughput, rate > 0 else { return ConnectorGate(configuration: configuration) }
        return ConnectorGate(configuration: configuration, pace: ClusterSendPace(connector: name, throughput: rate, slots: shared, logger: logger))
    }

    /// At most this many sends may wait for their outcome to be committed: 8 per worker.
    /// A crash (power cut, SIGKILL) sends at most this many deliveries twice.
    package static func maxUnrecorded(workers: Int) -> Int { max(1, workers) * 8 }

    /// How many due deliveries one round claims: enough that a burst is claimed in a few
    /// transactions, few enough that what is claimed is sent well within its lease (claimed
    /// deliveries wait for a worker; see `dispatch(claimed:)` for the check).
    var claimLimit: Int { max(configuration.workers * 8, 32) }

    /// Tells the dispatcher new work is due now.
    package func wake() { doorbell.ring() }

    /// Rounds under way at once in `run`: the next round is claimed while the last one's
    /// sends and outcomes are still in progress, so its claim and their outcomes share a commit.
    static let roundsInFlight = 4

    /// Sends until graceful shutdown (or `stop()`), then drains; see the type's notes. Run
    /// it once per dispatcher.
    package func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    // The claim loop, the turns' hand-offs, and the heartbeat of their sends in
                    // flight, which stops once both have.
                    await withDiscardingTaskGroup { loop in
                        loop.addTask { await self.heartbeat.run() }
                        await withDiscardingTaskGroup { work in
                            work.addTask { await self.sendHandedOff() }
                            await self.claimUntilStopped()
                        }
                        loop.cancelAll()
                    }
                }
                group.addTask {
                    // The grace period, from the stop on; cancelled when the sends finish first.
                    for await _ in self.stopped.stream {}
                    do { try await Task.sleep(for: self.configuration.shutdownGrace) } catch { return }
                    self.logger.warning(
                        "shutdown grace period over; cancelling the sends still under way",
                        metadata: ["grace": "\(self.configuration.shutdownGrace)"]
                    )
                }
                // Whichever ends first: the sends (then the timer is not needed), or the grace
                // period (then the sends are cancelled; their outcomes are still recorded).
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.stop()
        }
    }

    /// Stops claiming and starting sends; `run()` returns once the sends under way have
    /// finished (or the grace period is over) and every outcome is recorded. Graceful
    /// shutdown calls it; safe to call more than once.
    package func stop() {
        stopping.withLock { $0 = true }
        handOffs.close()
        stopped.continuation.finish()
        doorbell.ring()
    }

    /// Whether `stop()` was called.
    package var isStopping: Bool { stopping.withLock { $0 } }

    /// Claims and dispatches rounds until stopped or cancelled, then waits for the rounds
    /// under way.
    func claimUntilStopped() async {
        let rounds = AsyncSemaphore(permits: Self.roundsInFlight)
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled && !isStopping {
                do { try await rounds.acquire() } catch { break }
                if isStopping {
                    rounds.release()
                    break
                }
                let now = Date()
                let jobs = await self.claim(now: now)
                guard !jobs.isEmpty else {
                    rounds.release()
                    await self.doorbell.wait(timeout: self.configuration.pollInterval)
                    continue
                }
                group.addTask {
                    await self.dispatch(claimed: jobs, at: now)
                    rounds.release()
                    // Retries due at once, and whatever waited for a free round.
                    self.wake()
                }
            }
        }
    }

    /// Claims and sends one batch of due deliveries and waits for every outcome to be
    /// recorded; returns how many were claimed. Tests call it to drain the outbox without timing.
    @discardableResult
    package func dispatchOnce(now: Date = Date()) async -> Int {
        let jobs = await claim(now: now)
        guard !jobs.isEmpty else { return 0 }
        await dispatch(claimed: jobs, at: now)
        return jobs.count
    }

    /// Autocancels what waited too long, on the one node of the cluster that sweeps.
    func sweepIfHolder(now: Date) async {
        guard sweepsNow() else { return }
        await sweeper.sweepIfDue(store: store, now: now, logger: logger)
    }

    /// Ignores what waited too long (autocancel), then claims up to `claimLimit` due deliveries.
    func claim(now: Date) async -> [DeliveryJob] {
        await sweepIfHolder(now: now)
        do {
            let leaseUntil = now.addingTimeInterval(configuration.lease)
            if let scope = owners.scope, let scoped = store as? any ScopedClaims {
                return try await scoped.claimDue(limit: claimLimit, now: now, leaseUntil: leaseUntil, scope: scope)
            }
            return try await store.claimDue(limit: claimLimit, now: now, leaseUntil: leaseUntil)
        } catch {
            logger.error("claiming due deliveries failed", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// Every batch starts at once and waits for its permits (see `dispatch(_:)`); outcomes
    /// that finish meanwhile share commits through the recorder.
    func dispatch(claimed jobs: [DeliveryJob], at claimedAt: Date) async {
        // A delivery still waiting for a worker or a connector slot when half its lease is gone
        // is not sent (see `ClaimWindow`).
        let claim = ClaimWindow(claimedAt: claimedAt, lease: configuration.lease)
        await withTaskGroup(of: Void.self) { group in
            for batch in batch(jobs) { group.addTask { await self.dispatch(batch, claim: claim) } }
        }
    }

    /// Sends everything due until nothing is left (tests and one-shot tools).
    package func drain(maxRounds: Int = 100) async {
        for _ in 0..<maxRounds where await dispatchOnce() > 0 {}
    }

    /// Groups deliveries for one address on a packing channel; everything else goes alone.
    func batch(_ jobs: [DeliveryJob]) -> [[DeliveryJob]] {
        var batches: [[DeliveryJob]] = []
        var packable: [String: Int] = [:]
        for job in jobs {
            let d = job.delivery
            guard packers[d.channel] != nil, d.pinnedConnector == nil else {
                batches.append([job])
                continue
            }
            let key = "\(d.channel)|\(d.address)"
            if let i = packable[key] {
                batches[i].append(job)
            } else {
                packable[key] = batches.count
                batches.append([job])
            }
        }
        return batches
    }

    func route(for delivery: Delivery) -> [String] {
        if let pinned = delivery.pinnedConnector { return [pinned] }
        return channels[delivery.channel]?.route ?? []
    }
}
