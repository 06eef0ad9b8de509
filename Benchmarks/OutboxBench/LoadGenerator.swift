import AsyncHTTPClient
import Foundation
import NIOCore
import SwitchboardCore
import Synchronization

/// Sends messages through `POST /api/v1/messages` with a bearer token, over HTTP/1.1
/// keep-alive connections, and records for each accepted message its delivery id, when it
/// was submitted and when its 202 arrived.
///
/// Two shapes of load:
/// - closed loop: N senders, each sending its next message as soon as the previous answer
///   arrives (throughput: how fast can the hub go);
/// - open loop: messages submitted on a clock at a fixed rate, whether or not earlier ones
///   were answered (latency at a given load, without coordinated omission: a late answer
///   does not delay the next submission, and "submitted" is the scheduled moment).
struct LoadGenerator: Sendable {
    /// One accepted message.
    struct Sample: Sendable {
        var deliveryID: String
        /// When the request was started (closed loop) or scheduled (open loop).
        var submitted: Date
        /// When the whole 202 answer had arrived.
        var accepted: Date
    }

    /// What one run of load produced.
    struct Outcome: Sendable {
        var samples: [Sample] = []
        /// Failed requests by kind (`HTTP 503`, a client error's type).
        var errors: [String: Int] = [:]
        var attempted = 0

        /// One request's result: the messages it carried, or the failure of all `size` of them.
        mutating func record(_ result: Result<[Sample], SendFailure>, size: Int) {
            attempted += size
            switch result {
            case .success(let accepted): samples += accepted
            case .failure(let failure): errors[failure.kind, default: 0] += size
            }
        }

        mutating func merge(_ other: Outcome) {
            samples += other.samples
            attempted += other.attempted
            errors.merge(other.errors, uniquingKeysWith: +)
        }
    }

    struct SendFailure: Error { var kind: String }

    /// How messages enter the hub. `http` is the benchmark proper; the other two leave
    /// layers out, to show what each costs.
    enum Entry: String, Sendable, CaseIterable, Codable {
        /// `POST /api/v1/messages` with a bearer token (HTTP, auth, JSON, `Hub.send`).
        case http
        /// `Hub.send` in-process: validation, recipient resolution, `accept`, wake-up.
        case direct
        /// `SQLiteStore.accept` of a ready-made submission, then the dispatcher's wake-up.
        case store
        /// `GET /api/v1/me` with the bearer token: HTTP and authentication, no message at
        /// all; the ceiling of anything that goes through the API one request per message.
        case me
        /// `POST /api/v1/messages/batch` with `--batch-size` messages a request.
        case batch
    }

    let entry: Entry
    let client: HTTPClient
    /// `POST /api/v1/messages` of every node; request `k` goes to node `k mod N`.
    let urls: [String]
    let bearerToken: String
    let target: BenchTarget
    /// The in-process hub, for the `direct` and `store` entries.
    let hub: Hub?
    /// Messages per request: `batchSize` for `batch`, else 1.
    let size: Int

    init(entry: Entry, client: HTTPClient, bench: any BenchSystem, target: BenchTarget, batchSize: Int) {
        self.entry = entry
        self.client = client
        self.urls = bench.baseURLs.map { $0 + "/api/v1/messages" }
        self.bearerToken = bench.bearerToken
        self.target = target
        self.hub = bench.inProcessHub
        self.size = entry == .batch ? max(1, batchSize) : 1
    }

    /// `senders` concurrent senders, each sending back to back until `count` messages have
    /// been started in all, or else until `duration` is over.
    func closedLoop(senders: Int, duration: Duration, count: Int?) async -> Outcome {
        let tickets = TicketCounter()
        let deadline = ContinuousClock.now + duration
        return await withTaskGroup(of: Outcome.self) { group in
            for _ in 0..<senders {
                group.addTask {
                    var outcome = Outcome()
                    while true {
                        let n = tickets.next(size)
                        if let count { if n >= count { break } } else if ContinuousClock.now >= deadline { break }
                        outcome.record(await send(n, submitted: nil), size: size)
                    }
                    return outcome
                }
            }
            var all = Outcome()
            for await part in group { all.merge(part) }
            return all
        }
    }

    /// Submits `count` messages (or `rate × duration`) at `rate` a second, each on its own
    /// task at its scheduled moment.
    func openLoop(rate: Double, duration: Duration, count: Int?) async -> Outcome {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        // One request every `size / rate` seconds, carrying `size` messages.
        let total = max(1, (count ?? max(1, Int((rate * seconds).rounded()))) / size)
        let interval = Duration.nanoseconds(Int64((1e9 * Double(size) / rate).rounded()))
        let collector = OutcomeCollector()
        let clockStart = ContinuousClock.now
        let dateStart = Date()
        await withDiscardingTaskGroup { group in
            for n in 0..<total {
                let offset = interval * n
                let due = clockStart + offset
                if due > .now { try? await Task.sleep(until: due, clock: .continuous) }
                let scheduled = dateStart.addingTimeInterval(Double(offset.components.seconds) + Double(offset.components.attoseconds) / 1e18)
                group.addTask {
                    let result = await send(n * size, submitted: scheduled)
                    collector.record(result, size: size)
                }
            }
        }
        return collector.outcome
    }

    /// Submits message number `n` (and the next `size - 1`) the configured way; a sample
    /// for each message accepted.
    func send(_ n: Int, submitted: Date?) async -> Result<[Sample], SendFailure> {
        let url = urls[(n / size) % urls.count]
        switch entry {
        case .http: return await post(n, url: url, submitted: submitted).map { [$0] }
        case .batch: return await postBatch(n, url: url, submitted: submitted)
        case .me: return await me(url: url, submitted: submitted).map { [$0] }
        case .direct, .store:
            let started = submitted ?? Date()
            guard let hub else { return .failure(SendFailure(kind: "no hub in this process")) }
            do {
                let deliveryID: String?
                if entry == .direct {
                    let acceptance = try await hub.send(SendRequest(to: [target.recipient], text: "Benchmark message \(n)"), sender: "bench")
                    deliveryID = acceptance.record.deliveries.first?.id
                } else {
                    let address = try Address(parsing: target.recipient)
                    let message = Message(text: "Benchmark message \(n)", sender: "bench")
                    let delivery = Delivery(messageID: message.id, address: address, channel: address.channel ?? .sms, createdAt: message.createdAt)
                    let acceptance = try await hub.store.accept(Submission(message: message, deliveries: [delivery]))
                    hub.dispatcher.wake()
                    deliveryID = acceptance.record.deliveries.first?.id
                }
                guard let deliveryID else { return .failure(SendFailure(kind: "accepted without a delivery")) }
                return .success([Sample(deliveryID: deliveryID, submitted: started, accepted: Date())])
            } catch {
                return .failure(SendFailure(kind: String(String(describing: error).prefix(80))))
            }
        }
    }

    /// One `POST /api/v1/messages`; a sample if it was answered 202.
    func post(_ n: Int, url: String, submitted: Date?) async -> Result<Sample, SendFailure> {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(bearerToken)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"to":["\#(target.recipient)"],"text":"Benchmark message \#(n)"}"#))
        let started = submitted ?? Date()
        do {
            let response = try await client.execute(request, timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 1 << 20)
            let accepted = Date()
            guard response.status == .accepted else { return .failure(SendFailure(kind: "HTTP \(response.status.code)")) }
            guard let answer = try? JSONDecoder().decode(AcceptedAnswer.self, from: Data(body.readableBytesView)),
                let delivery = answer.deliveries.first
            else {
                return .failure(SendFailure(kind: "202 without a delivery"))
            }
            return .success(Sample(deliveryID: delivery.id, submitted: started, accepted: accepted))
        } catch {
            return .failure(SendFailure(kind: String(String(describing: error).prefix(80))))
        }
    }

    /// One `POST /api/v1/messages/batch` of `size` messages; a sample each if it was answered 202.
    func postBatch(_ n: Int, url: String, submitted: Date?) async -> Result<[Sample], SendFailure> {
        var request = HTTPClientRequest(url: url + "/batch")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(bearerToken)")
        request.headers.add(name: "Content-Type", value: "application/json")
        let messages = (n..<n + size).map { #"{"to":["\#(target.recipient)"],"text":"Benchmark message \#($0)"}"# }
        request.body = .bytes(ByteBuffer(string: #"{"messages":[\#(messages.joined(separator: ","))]}"#))
        let started = submitted ?? Date()
        do {
            let response = try await client.execute(request, timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 16 << 20)
            let accepted = Date()
            guard response.status == .accepted else { return .failure(SendFailure(kind: "HTTP \(response.status.code)")) }
            guard let answer = try? JSONDecoder().decode(BatchAnswer.self, from: Data(body.readableBytesView)),
                answer.messages.count == size
            else {
                return .failure(SendFailure(kind: "202 without one acceptance per message"))
            }
            let ids = answer.messages.compactMap { $0.deliveries.first?.id }
            return .success(ids.map { Sample(deliveryID: $0, submitted: started, accepted: accepted) })
        } catch {
            return .failure(SendFailure(kind: String(String(describing: error).prefix(80))))
        }
    }

    /// One `GET /api/v1/me`; a sample without a delivery if it was answered 200.
    func me(url: String, submitted: Date?) async -> Result<Sample, SendFailure> {
        var request = HTTPClientRequest(url: url.replacingOccurrences(of: "/messages", with: "/me"))
        request.headers.add(name: "Authorization", value: "Bearer \(bearerToken)")
        let started = submitted ?? Date()
        do {
            let response = try await client.execute(request, timeout: .seconds(60))
            _ = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else { return .failure(SendFailure(kind: "HTTP \(response.status.code)")) }
            return .success(Sample(deliveryID: "", submitted: started, accepted: Date()))
        } catch {
            return .failure(SendFailure(kind: String(String(describing: error).prefix(80))))
        }
    }

    /// The part of the 202 answer the benchmark needs.
    private struct AcceptedAnswer: Decodable {
        struct Delivery: Decodable { var id: String }
        var deliveries: [Delivery]
    }

    private struct BatchAnswer: Decodable { var messages: [AcceptedAnswer] }
}

/// Hands out message numbers to concurrent senders.
final class TicketCounter: Sendable {
    private let value = Atomic<Int>(0)
    /// The first of the next `n` numbers.
    func next(_ n: Int = 1) -> Int { value.add(n, ordering: .relaxed).oldValue }
}

/// Gathers the open-loop run's results from its many tasks.
final class OutcomeCollector: Sendable {
    private let state = Mutex(LoadGenerator.Outcome())
    func record(_ result: Result<[LoadGenerator.Sample], LoadGenerator.SendFailure>, size: Int) {
        state.withLock { $0.record(result, size: size) }
    }
    var outcome: LoadGenerator.Outcome { state.withLock { $0 } }
}
