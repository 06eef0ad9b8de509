import AsyncHTTPClient
import BenchmarkSupport
import Foundation
import Logging
import NIOCore
import NIOPosix
import SwitchboardCore
import SwitchboardSQLite

/// One run of the web benchmark against a hub already serving on `port`.
struct WebBench: Sendable {
    let hub: Hub
    let port: Int
    let clients: MultiThreadedEventLoopGroup
    let http: HTTPClient
    let password: String
    let items: Int
    let subscribers: Int
    let messages: Int
    let requests: Int
    let pace: Duration
    /// Headless Chromium pages measured beside the subscribers (0: none).
    let browserPages: Int
    var base: String { "http://127.0.0.1:\(port)" }

    /// The inbox, filled through the hub's own inbound path (router, commits, inbox), with
    /// NORMAL sync since this is only the set-up; 64 messages in flight share commits.
    static func fill(directory: String, configuration: HubConfiguration, items: Int, logger: Logger) async throws {
        let start = ContinuousClock.now
        let store = try SQLiteStore(directory: directory, synchronous: .normal)
        let hub = Hub(configuration: configuration, store: store, connectors: [BucketConnector(name: "tester")], logger: logger)
        let workers = 64
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<workers {
                group.addTask {
                    var i = w
                    while i < items {
                        let from = try Address(parsing: "sms:+47\(40_000_000 + i % 5_000)")
                        let text = "Reading \(i): the water at gauge \(i % 97) stands at \(i % 300) cm and is \(i % 2 == 0 ? "rising" : "falling")"
                        _ = try await hub.receive(InboundMessage(connector: "tester", from: from, text: text))
                        i += workers
                    }
                }
            }
            try await group.waitForAll()
        }
        note("filled \(items) inbox items in \(f(ms(ContinuousClock.now - start) / 1000)) s")
    }

    func run() async throws {
        try await waitUntilUp()
        let cookie = try await login()
        let token = try await makeToken(cookie: cookie)

        print("\ninbox of \(items) items (all unread, common inbox); \(requests) requests each after 30 unmeasured, one keep-alive connection:\n")
        print("| page | p50 ms | p99 ms | max ms | server CPU ms/request | bytes |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        let pages: [(String, String, Bool)] = [
            ("`/` (HTML, first page)", "/", true),
            ("`/api/v1/inbox?scope=common`", "/api/v1/inbox?scope=common", false),
            ("`/api/v1/inbox?scope=common&cursor=…` (middle)", "/api/v1/inbox?scope=common&cursor=\(items / 2)", false),
            ("`/api/v1/inbox/unread-count`", "/api/v1/inbox/unread-count", false),
            ("`/api/v1/inbox?q=gauge 42 ` (text filter)", "/api/v1/inbox?scope=common&q=gauge%2042%20", false),
        ]
        for (label, path, html) in pages {
            let (samples, bytes, cpu) = try await timeRequests(path, header: html ? ("Cookie", cookie) : ("Authorization", "Bearer \(token)"))
            print(
                "| \(label) | \(f(percentile(samples, 0.5), 2)) | \(f(percentile(samples, 0.99), 2)) | \(f(samples.last ?? .nan, 2)) "
                    + "| \(f(cpu, 2)) | \(bytes) |"
            )
        }

        let (files, total) = try await staticSizes()
        print(
            "\nscripts and stylesheet served: \(total) bytes (\(f(Double(total) / 1024)) KiB) in \(files.count) files: "
                + files.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
        )

        let live = try await liveRun(token: token, cookie: cookie)
        print(
            "\nlive: \(messages) messages, one every \(f(ms(pace), 0)) ms, to \(subscribers) `/ws/inbox` subscribers "
                + "(\(live.count) rows received of \(messages * subscribers)); from handing the message to the hub "
                + "(both commits included) to its row at a subscriber: p50 \(f(live.p50, 2)) ms, p99 \(f(live.p99, 2)) ms, max \(f(live.max, 1)) ms"
        )
        print("load average at the end \(Self.loadAverage())")
    }

    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    }

    func waitUntilUp() async throws {
        for _ in 0..<400 {
            if let r = try? await http.execute(HTTPClientRequest(url: base + "/health"), timeout: .seconds(1)), r.status == .ok { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchFailure("the server did not start")
    }

    func login() async throws -> String {
        var request = HTTPClientRequest(url: base + "/api/v1/session")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"username":"admin","password":"\#(password)"}"#))
        let response = try await http.execute(request, timeout: .seconds(30))
        guard response.status == .ok, let set = response.headers.first(name: "Set-Cookie") else {
            throw BenchFailure("login failed: \(response.status)")
        }
        return String(set.prefix { $0 != ";" })
    }

    /// The dashboard widget's kind of token: `inbox:read` only.
    func makeToken(cookie: String) async throws -> String {
        var request = HTTPClientRequest(url: base + "/api/v1/tokens")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Cookie", value: cookie)
        request.body = .bytes(ByteBuffer(string: #"{"name":"bench","scopes":["inbox:read"]}"#))
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        struct Created: Decodable { var token: String }
        guard response.status == .created, let token = try? JSONDecoder().decode(Created.self, from: Data(body.readableBytesView)).token else {
            throw BenchFailure("creating a token failed: \(response.status) \(String(buffer: body))")
        }
        return token
    }

    /// Sorted milliseconds per request, the size of the last answer, and the server's CPU
    /// milliseconds per measured request (every thread but the bench's client thread), which
    /// other processes on the machine do not inflate as they do the wall-clock times.
    func timeRequests(_ path: String, header: (String, String)) async throws -> ([Double], Int, Double) {
        var request = HTTPClientRequest(url: base + path)
        request.headers.add(name: header.0, value: header.1)
        var samples: [Double] = []
        var bytes = 0
        var cpu0 = 0.0
        for i in 0..<(30 + requests) {
            if i == 30 { cpu0 = ProcessFacts.serverCPUSeconds() }
            let start = ContinuousClock.now
            let response = try await http.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 64 << 20)
            let elapsed = ms(ContinuousClock.now - start)
            guard response.status == .ok else { throw BenchFailure("\(path): HTTP \(response.status.code) \(String(buffer: body))") }
            bytes = body.readableBytes
            if i >= 30 { samples.append(elapsed) }
        }
        return (samples.sorted(), bytes, (ProcessFacts.serverCPUSeconds() - cpu0) * 1000 / Double(requests))
    }

    /// Every script and stylesheet in the hub's resources, as served.
    func staticSizes() async throws -> ([(String, Int)], Int) {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("switchboard_SwitchboardServer.resources/web/static")
        let names = try FileManager.default.contentsOfDirectory(atPath: bundle.path).filter { $0.hasSuffix(".js") || $0.hasSuffix(".css") }.sorted()
        var files: [(String, Int)] = []
        for name in names {
            let response = try await http.execute(HTTPClientRequest(url: base + "/static/\(name)"), timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 16 << 20)
            guard response.status == .ok else { throw BenchFailure("/static/\(name): HTTP \(response.status.code)") }
            files.append((name, body.readableBytes))
        }
        return (files, files.reduce(0) { $0 + $1.1 })
    }
}

func note(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted.isEmpty ? .nan : sorted[max(0, min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1))]
}
func f(_ d: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", d) }
