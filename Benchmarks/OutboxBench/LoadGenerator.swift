import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import SwitchboardCore

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

        mutating func record(_ result: Result<Sample, SendFailure>) {
            attempted += 1
            switch result {
            case .success(let sample): samples.append(sample)
            case .failure(let failure): errors[failure.kind, default: 0] += 1
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
        /// `GET /api/v1/me` with the bearer token: HTTP and authentication (two reads), no
        /// message at all; the ceiling of anything that goes through the API.
        case me
    }

    let entry: Entry
    let client: HTTPClient
    let url: String
    let bearerToken: String
    let target: BenchTarget
    let hub: Hub

    init(entry: Entry, client: HTTPClient, bench: BenchHub, target: BenchTarget) {
        self.entry = entry; self.client = client; self.url = bench.baseURL + "/api/v1/messages"
        self.bearerToken = bench.bearerToken; self.target = target; self.hub = bench.hub
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
                        let n = tickets.next()
                        if let count { if n >= count { break } } else if ContinuousClock.now >= deadline { break }
                        outcome.record(await send(n, submitted: nil))
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
        let total = count ?? max(1, Int((rate * seconds).rounded()))
        let interval = Duration.nanoseconds(Int64((1e9 / rate).rounded()))
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
                    let result = await send(n, submitted: scheduled)
                    collector.record(result)
                }
            }
        }
        return collector.outcome
    }

    /// Submits message number `n` the configured way; a sample if it was accepted.
    func send(_ n: Int, submitted: Date?) async -> Result<Sample, SendFailure> {
        switch entry {
        case .http: return await post(n, submitted: submitted)
        case .me: return await me(submitted: submitted)
        case .direct, .store:
            let started = submitted ?? Date()
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
                return .success(Sample(deliveryID: deliveryID, submitted: started, accepted: Date()))
            } catch {
                return .failure(SendFailure(kind: String(String(describing: error).prefix(80))))
            }
        }
    }

    /// One `POST /api/v1/messages`; a sample if it was answered 202.
    func post(_ n: Int, submitted: Date?) async -> Result<Sample, SendFailure> {
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
                  let delivery = answer.deliveries.first else {
                return .failure(SendFailure(kind: "202 without a delivery"))
            }
            return .success(Sample(deliveryID: delivery.id, submitted: started, accepted: accepted))
        } catch {
            return .failure(SendFailure(kind: String(String(describing: error).prefix(80))))
        }
    }

    /// One `GET /api/v1/me`; a sample without a delivery if it was answered 200.
    func me(submitted: Date?) async -> Result<Sample, SendFailure> {
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
}

/// Hands out message numbers to concurrent senders.
final class TicketCounter: Sendable {
    private let value = Atomic<Int>(0)
    func next() -> Int { value.add(1, ordering: .relaxed).oldValue }
}

/// Gathers the open-loop run's results from its many tasks.
final class OutcomeCollector: Sendable {
    private let state = Mutex(LoadGenerator.Outcome())
    func record(_ result: Result<LoadGenerator.Sample, LoadGenerator.SendFailure>) { state.withLock { $0.record(result) } }
    var outcome: LoadGenerator.Outcome { state.withLock { $0 } }
}
