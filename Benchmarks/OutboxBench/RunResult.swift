import BenchmarkSupport
import Foundation

/// The figures of one run: one target, one shape of load.
///
/// Latencies are measured in the benchmark process, with one wall clock for all of them:
/// - `acceptMs`: request started (closed loop) or scheduled (open loop) → 202 answer read;
/// - `acceptToSentMs`: 202 answer read → the connector got the delivery (the bucket's
///   `sentAt`, or the gateway stand-in's receive time). It can be below zero when the
///   dispatcher sends before the client has read the 202;
/// - `submitToSentMs`: request started or scheduled → the connector got it.
struct RunResult: Codable, Sendable {
    var target: BenchTarget
    /// `"4 senders"` or `"1000/s offered"`.
    var load: String
    var senders: Int?
    var offeredPerSecond: Double?
    var synchronous: String
    var dispatcherWorkers: Int
    /// How messages entered: `http` (the benchmark proper), `direct` (`Hub.send`), `store` (`accept`).
    var entry: LoadGenerator.Entry
    /// `pipeline`: the dispatcher runs during the load. `split`: it starts only once the
    /// load is over, so accepting and dispatching are measured apart (no latency then).
    var stage: String

    var attempted: Int
    var accepted: Int
    /// Accepted deliveries the connector received before the drain timeout.
    var sent: Int
    var errors: [String: Int]

    /// From the first request to the last answer.
    var sendingSeconds: Double
    var acceptedPerSecond: Double
    /// From the first request (split: from the dispatcher's start) to the last delivery
    /// reaching the connector.
    var lastSentSeconds: Double
    var sentPerSecond: Double
    /// From the first request (split: the dispatcher's start) until the store held nothing
    /// queued or sending (every outcome recorded), if that happened before the drain timeout.
    var settledSeconds: Double?

    var acceptMs: Percentiles
    var acceptToSentMs: Percentiles
    var submitToSentMs: Percentiles

    /// Process CPU time over the run's wall time; 100 is one core busy, 200 both of 2.
    var cpuPercent: Double
    /// CPU used by other processes on the machine meanwhile, same scale: it should be near 0.
    var otherProcessesCPUPercent: Double
    /// The benchmark process's CPU time per accepted message, in microseconds: while
    /// submitting (load generator included), and afterwards until drained (split: the
    /// dispatcher alone). 2 cores give at most 2,000,000 µs a second.
    var cpuMicrosecondsPerMessageWhileSubmitting: Double
    var cpuMicrosecondsPerMessageAfterwards: Double
    /// The process's resident-memory high-water mark so far (VmHWM), in MiB.
    var peakResidentMiB: Double

    /// `--store postgres`: how many hub processes, and the CPU time per accepted message of
    /// all of them together and of PostgreSQL (postmaster and backends), in microseconds;
    /// the bench process's own (load generator, gateway stand-in) stays in the fields above.
    var nodes: Int?
    var hubCPUMicrosecondsPerMessage: Double?
    var databaseCPUMicrosecondsPerMessage: Double?
}

/// Nearest-rank percentiles of a set of durations, in milliseconds.
struct Percentiles: Codable, Sendable {
    var count: Int
    var p50: Double
    var p90: Double
    var p99: Double
    var max: Double

    init(milliseconds values: [Double]) {
        let sorted = values.sorted()
        count = sorted.count
        func rank(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return .nan }
            let index = Int((p * Double(sorted.count)).rounded(.up)) - 1
            return sorted[Swift.min(Swift.max(index, 0), sorted.count - 1)]
        }
        p50 = rank(0.50)
        p90 = rank(0.90)
        p99 = rank(0.99)
        max = sorted.last ?? .nan
    }

    // NaN is not valid JSON: an empty set encodes its figures as null.
    enum CodingKeys: String, CodingKey { case count, p50, p90, p99, max }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(count, forKey: .count)
        for (key, value) in [(CodingKeys.p50, p50), (.p90, p90), (.p99, p99), (.max, max)] {
            if value.isNaN { try c.encodeNil(forKey: key) } else { try c.encode((value * 1000).rounded() / 1000, forKey: key) }
        }
    }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        count = try c.decode(Int.self, forKey: .count)
        p50 = try c.decodeIfPresent(Double.self, forKey: .p50) ?? .nan
        p90 = try c.decodeIfPresent(Double.self, forKey: .p90) ?? .nan
        p99 = try c.decodeIfPresent(Double.self, forKey: .p99) ?? .nan
        max = try c.decodeIfPresent(Double.self, forKey: .max) ?? .nan
    }
}

extension RunResult {
    /// Joins what the client saw with when the connector got each delivery.
    init(
        target: BenchTarget,
        load: String,
        senders: Int?,
        offeredPerSecond: Double?,
        synchronous: String,
        dispatcherWorkers: Int,
        entry: LoadGenerator.Entry,
        dispatchStarted: Date?,
        outcome: LoadGenerator.Outcome,
        arrivals: [String: Date],
        settled: Date?,
        cpuSeconds: Double,
        cpuSecondsWhileSubmitting: Double,
        machineCPUSeconds: Double,
        wallSeconds: Double,
        cluster: ClusterCPU? = nil
    ) {
        let samples = outcome.samples
        let started = samples.map(\.submitted).min() ?? Date()
        let lastAnswer = samples.map(\.accepted).max() ?? started
        var acceptMs: [Double] = []
        var acceptToSent: [Double] = []
        var submitToSent: [Double] = []
        acceptMs.reserveCapacity(samples.count)
        acceptToSent.reserveCapacity(samples.count)
        submitToSent.reserveCapacity(samples.count)
        let sentFrom = dispatchStarted ?? started
        var lastSent = sentFrom
        var sent = 0
        for sample in samples {
            acceptMs.append(sample.accepted.timeIntervalSince(sample.submitted) * 1000)
            guard let at = arrivals[sample.deliveryID] else { continue }
            sent += 1
            lastSent = Swift.max(lastSent, at)
            // Split runs hold everything back until the load is over: no latency to show.
            guard dispatchStarted == nil else { continue }
            acceptToSent.append(at.timeIntervalSince(sample.accepted) * 1000)
            submitToSent.append(at.timeIntervalSince(sample.submitted) * 1000)
        }
        let sendingSeconds = lastAnswer.timeIntervalSince(started)
        let lastSentSeconds = lastSent.timeIntervalSince(sentFrom)
        self.init(
            target: target,
            load: load,
            senders: senders,
            offeredPerSecond: offeredPerSecond,
            synchronous: synchronous,
            dispatcherWorkers: dispatcherWorkers,
            entry: entry,
            stage: dispatchStarted == nil ? "pipeline" : "split",
            attempted: outcome.attempted,
            accepted: samples.count,
            sent: sent,
            errors: outcome.errors,
            sendingSeconds: sendingSeconds,
            acceptedPerSecond: sendingSeconds > 0 ? Double(samples.count) / sendingSeconds : 0,
            lastSentSeconds: lastSentSeconds,
            sentPerSecond: lastSentSeconds > 0 ? Double(sent) / lastSentSeconds : 0,
            settledSeconds: settled.map { $0.timeIntervalSince(sentFrom) },
            acceptMs: Percentiles(milliseconds: acceptMs),
            acceptToSentMs: Percentiles(milliseconds: acceptToSent),
            submitToSentMs: Percentiles(milliseconds: submitToSent),
            cpuPercent: wallSeconds > 0 ? cpuSeconds / wallSeconds * 100 : 0,
            otherProcessesCPUPercent: wallSeconds > 0 ? Swift.max(0, machineCPUSeconds - cpuSeconds) / wallSeconds * 100 : 0,
            cpuMicrosecondsPerMessageWhileSubmitting: samples.isEmpty ? 0 : cpuSecondsWhileSubmitting / Double(samples.count) * 1e6,
            cpuMicrosecondsPerMessageAfterwards: samples.isEmpty ? 0 : (cpuSeconds - cpuSecondsWhileSubmitting) / Double(samples.count) * 1e6,
            peakResidentMiB: Double(ProcessFacts.peakResident()) / 1_048_576,
            nodes: cluster?.nodes,
            hubCPUMicrosecondsPerMessage: cluster.map { samples.isEmpty ? 0 : $0.hubSeconds / Double(samples.count) * 1e6 },
            databaseCPUMicrosecondsPerMessage: cluster?.databaseSeconds.map { samples.isEmpty ? 0 : $0 / Double(samples.count) * 1e6 }
        )
    }
}
