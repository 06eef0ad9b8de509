import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Sends what the outbox holds: claims due deliveries under a lease, sends each over its
/// channel's route of connectors in order, and records every attempt.
///
/// Woken at once by `wake()` when new deliveries are committed; polls only as a fallback.
/// A delivery claimed by a worker that dies is claimed again once its lease runs out.
public final class OutboxDispatcher: Service, Sendable {
    public struct Configuration: Sendable {
        public var workers: Int
        public var pollInterval: Duration
        public var lease: TimeInterval
        public var retry: RetryPolicy
        public init(workers: Int = 4, pollInterval: Duration = .seconds(1), lease: TimeInterval = 60, retry: RetryPolicy = .init()) {
            self.workers = workers; self.pollInterval = pollInterval; self.lease = lease; self.retry = retry
        }
        public init(_ s: DispatcherSettings) {
            self.init(workers: s.workers, pollInterval: .milliseconds(Int(s.pollInterval * 1000)), lease: s.lease,
                      retry: RetryPolicy(delay: s.retryDelay, factor: s.retryFactor, maxDelay: s.retryMaxDelay, limit: s.retryLimit))
        }
    }

    let configuration: Configuration
    let store: any OutboxStore
    let connectors: ConnectorRegistry
    let channels: [ChannelName: ChannelSettings]
    /// One gate per connector: in-flight and throughput limits, cool-down after failures.
    public let gates: [String: ConnectorGate]
    let dispatchSettings: [String: ConnectorDispatchSettings]
    let logger: Logger
    let doorbell = Doorbell()

    public init(configuration: Configuration, store: any OutboxStore, connectors: ConnectorRegistry,
                channels: [ChannelName: ChannelSettings], connectorSettings: [ConnectorSettings] = [], logger: Logger) {
        self.configuration = configuration; self.store = store; self.connectors = connectors
        self.channels = channels; self.logger = logger
        let settings = Dictionary(connectorSettings.map { ($0.name, $0.dispatch) }, uniquingKeysWith: { a, _ in a })
        self.dispatchSettings = settings
        self.gates = Dictionary(uniqueKeysWithValues: connectors.names.map { name in
            (name, ConnectorGate(configuration: settings[name]?.gate ?? .init()))
        })
    }

    /// Tells the dispatcher new work is due now.
    public func wake() { doorbell.ring() }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let sent = await self.dispatchOnce()
                if sent == 0 { await self.doorbell.wait(timeout: self.configuration.pollInterval) }
            }
        }
    }

    /// Claims and sends one batch of due deliveries; returns how many were claimed.
    /// Tests call it directly to drain the outbox without timing.
    @discardableResult
    public func dispatchOnce(now: Date = Date()) async -> Int {
        let jobs: [DeliveryJob]
        do {
            jobs = try await store.claimDue(limit: configuration.workers * 8, now: now,
                                           leaseUntil: now.addingTimeInterval(configuration.lease))
        } catch {
            logger.error("claiming due deliveries failed", metadata: ["error": "\(error)"])
            return 0
        }
        guard !jobs.isEmpty else { return 0 }
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for job in jobs {
                if running >= configuration.workers { await group.next(); running -= 1 }
                group.addTask { await self.dispatch(job) }
                running += 1
            }
        }
        return jobs.count
    }

    /// Sends everything due until nothing is left (tests and the CLI's one-shot use).
    public func drain(maxRounds: Int = 100) async {
        for _ in 0..<maxRounds where await dispatchOnce() > 0 {}
    }

    func route(for delivery: Delivery) -> [String] {
        if let pinned = delivery.pinnedConnector { return [pinned] }
        return channels[delivery.channel]?.route ?? []
    }

    func dispatch(_ job: DeliveryJob) async {
        let delivery = job.delivery
        let route = route(for: delivery)
        var reasons: [String] = []
        var anyTransient = false
        var attempts: [DeliveryAttempt] = []
        let round = delivery.attempts + 1
        for name in route {
            guard let connector = connectors[name], let gate = gates[name] else {
                reasons.append("\(name): connector not configured"); continue
            }
            guard gate.admits() else {
                // Out of rotation for a cool-down: like a transient failure, without a try.
                anyTransient = true
                reasons.append("\(name): cooling down after repeated failures")
                continue
            }
            let at = Date()
            do {
                let receipt = try await gate.withPermit {
                    try await connector.send(Outbound(delivery: delivery, message: job.message))
                }
                gate.record(success: true)
                attempts.append(DeliveryAttempt(deliveryID: delivery.id, number: round, at: at, connector: name, outcome: .sent, receiptID: receipt.id))
                await finish(delivery, .sent(connector: name, receiptID: receipt.id), attempts)
                return
            } catch {
                var failure = error as? ConnectorError ?? .transient(String(describing: error))
                if failure.kind == .permanent, dispatchSettings[name]?.permanentErrorsAreTransient == true {
                    failure.kind = .transient
                }
                gate.record(success: failure.kind == .permanent)  // a refusal shows the connector works
                if failure.kind == .transient { anyTransient = true }
                reasons.append("\(name): \(failure.message)")
                attempts.append(DeliveryAttempt(deliveryID: delivery.id, number: round, at: at, connector: name,
                                                outcome: failure.kind == .transient ? .transient : .permanent, error: failure.message))
                logger.info("send failed", metadata: ["delivery": "\(delivery.id)", "connector": "\(name)", "error": "\(failure)"])
            }
        }
        let error = reasons.isEmpty ? "no connector on the \(delivery.channel) route" : reasons.joined(separator: "; ")
        let settings = channels[delivery.channel]
        let policy = settings?.retry ?? configuration.retry
        if anyTransient, let delay = policy.backoff(afterAttempts: round) {
            await finish(delivery, .retry(at: Date().addingTimeInterval(delay), connector: attempts.last?.connector, error: error), attempts)
        } else if anyTransient, settings?.atLimit == .hold {
            await finish(delivery, .held(error: "retry limit reached; held for an operator: \(error)"), attempts)
        } else {
            await finish(delivery, .failed(connector: attempts.last?.connector, error: error), attempts)
        }
    }

    func finish(_ delivery: Delivery, _ outcome: DeliveryOutcome, _ attempts: [DeliveryAttempt]) async {
        do {
            let updated = try await store.finish(deliveryID: delivery.id, outcome: outcome, attempts: attempts)
            Counter(label: "switchboard_deliveries_total", dimensions: [("status", updated.status.rawValue)]).increment()
        } catch {
            logger.error("recording a delivery outcome failed", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        }
    }
}

/// When and how often to try again (smsd's `retry` settings): delay × factor^(n-1), capped,
/// up to `limit` attempts in all.
public struct RetryPolicy: Sendable, Equatable {
    public var delay: TimeInterval
    public var factor: Double
    public var maxDelay: TimeInterval
    public var limit: Int
    public init(delay: TimeInterval = 30, factor: Double = 1.5, maxDelay: TimeInterval = 3600, limit: Int = 5) {
        self.delay = delay; self.factor = factor; self.maxDelay = maxDelay; self.limit = limit
    }

    /// The wait before the next try after `attempts` tries, or `nil` when the limit is reached.
    public func backoff(afterAttempts attempts: Int) -> TimeInterval? {
        guard attempts < limit else { return nil }
        return min(maxDelay, delay * pow(factor, Double(max(0, attempts - 1))))
    }
}
