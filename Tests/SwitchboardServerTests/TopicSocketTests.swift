import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import NIOWebSocket
import SwitchboardCore
import SwitchboardSQLite
import Synchronization
import Testing

@testable import SwitchboardServer

/// A hook given to `buildApplication`: rewrites the body before the write and decorates the broadcast.
struct ServerStampHook: TopicHook {
    func open(topic: TopicDefinition, principal: TopicPrincipal?, query: inout TopicQuery) async throws {}
    func prepare(topic: TopicDefinition, method: TopicMethod, message: inout TopicRow, principal: TopicPrincipal?) async throws {
        if method == .post, let body = message["body"].text { message["body"] = .text("hooked: " + body) }
    }
    func modify(topic: TopicDefinition, change: inout TopicChange, principal: TopicPrincipal?) async throws {
        change.row["decorated"] = .bool(true)
    }
}

/// Topic WebSockets against the real server on a loopback port.
@Suite("Topic sockets")
struct TopicSocketTests {
    static func chat(maxFrameBytes: Int = TopicDefinition.defaultMaxFrameBytes, alert: Bool = false) -> TopicDefinition {
        var t = TopicDefinition(
            name: "chat",
            columns: [TopicColumn(name: "body", type: .text)],
            read: TopicAccess(anonymous: true),
            write: TopicAccess(anonymous: true)
        )
        t.maxFrameBytes = maxFrameBytes
        // HummingbirdWSClient sends `Origin: ws://HOST` without the port, which is not the hub's own origin.
        t.origins = ["ws://127.0.0.1"]
        if alert { t.alert = TopicAlertSettings(to: ["ops@example.org"], subject: "chat", text: "said: {{body}}") }
        return t
    }

    static func harness(_ topic: TopicDefinition) async throws -> Harness {
        try await Harness { c in
            c.topics = [topic]
            c.server.port = 0
        }
    }

    /// Runs the application on a free port and hands `body` the WebSocket URL of `/topics/chat`.
    static func live<T: Sendable>(
        _ harness: Harness,
        hooks: [String: any TopicHook] = [:],
        _ body: @Sendable (String) async throws -> T
    ) async throws -> T {
        let app = buildApplication(
            hub: harness.hub,
            registry: TestMetrics.registry,
            logger: harness.logger,
            accounts: harness.accounts,
            topicHooks: hooks
        )
        return try await app.test(.live) { client in try await body("ws://127.0.0.1:\(client.port!)/topics/chat") }
    }

    /// Connects, waits for `ready`, sends each message (one or more frames) after the answer
    /// to the previous one (every message is answered by exactly one ack or error), and
    /// returns the text frames received after `ready`, in order.
    static func converse(_ url: String, _ messages: [[WebSocketOutboundWriter.OutboundFrame]]) async throws -> [String] {
        let received = Received()
        let logger = Logger(label: "topic-socket-test")
        try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 1 << 16), logger: logger) { inbound, outbound, _ in
            var live = false
            var answered = 0
            var sent = 0
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message else { continue }
                if text.hasPrefix(#"{"_type":"ready""#) {
                    live = true
                } else if live {
                    received.texts.withLock { $0.append(text) }
                    if text.hasPrefix(#"{"_type":"ack""#) || text.hasPrefix(#"{"_type":"error""#) { answered += 1 }
                }
                guard live, answered == sent else { continue }
                if sent == messages.count { break }
                for frame in messages[sent] { try await outbound.write(frame) }
                sent += 1
            }
            try await outbound.close(.normalClosure, reason: nil)
        }
        return received.texts.withLock { $0 }
    }

    final class Received: Sendable { let texts = Mutex<[String]>([]) }

    static func post(_ body: String) -> [WebSocketOutboundWriter.OutboundFrame] {
        [.text(postJSON(body))]
    }

    static func postJSON(_ body: String) -> String {
        var json = ""
        TopicJSON.quote(body, into: &json)
        return #"{"_method":"POST","body":\#(json)}"#
    }

    /// One text message sent as frames of at most `size` bytes (text, then continuations).
    static func fragmented(_ text: String, size: Int) -> [WebSocketOutboundWriter.OutboundFrame] {
        let bytes = Array(text.utf8)
        return stride(from: 0, to: bytes.count, by: size).map { start in
            let end = min(bytes.count, start + size)
            return .custom(
                WebSocketFrame(fin: end == bytes.count, opcode: start == 0 ? .text : .continuation, data: ByteBuffer(bytes: bytes[start..<end]))
            )
        }
    }

    @Test func hooksGivenToBuildApplicationRunOnTheSocket() async throws {
        let harness = try await Self.harness(Self.chat())
        let frames = try await Self.live(harness, hooks: ["chat": ServerStampHook()]) { url in try await Self.converse(url, [Self.post("hi")]) }
        let row = try #require(frames.first { $0.hasPrefix(#"{"_type":"message""#) })
        #expect(row.contains(#""body":"hooked: hi""#) && row.contains(#""decorated":true"#), "\(row)")
        #expect(frames.last?.hasPrefix(#"{"_type":"ack""#) == true)
    }

    @Test func anOversizeOrBinaryFrameIsAnsweredAndTheSocketStaysOpen() async throws {
        let limit = 2_048
        let harness = try await Self.harness(Self.chat(maxFrameBytes: limit))
        let exact = String(repeating: "x", count: limit - #"{"_method":"POST","body":""}"#.utf8.count)
        let big = String(repeating: "y", count: 10_000)
        let (whole, fragmented) = try await Self.live(harness) { url in
            let whole = try await Self.converse(
                url,
                [Self.post(big), [.binary(ByteBuffer(string: "{}"))], [.text("\u{1}not json")], Self.post(exact)]
            )
            // Messages in 1 KB frames: the server adds them up, and drops the big one once over the limit.
            let fragmented = try await Self.converse(
                url,
                [Self.fragmented(Self.postJSON(big), size: 1_024), Self.fragmented(Self.postJSON("after"), size: 4)]
            )
            return (whole, fragmented)
        }
        let answers = whole.filter { !$0.hasPrefix(#"{"_type":"message""#) }
        try #require(answers.count == 4, "\(whole)")
        #expect(answers[0].contains(#""error":"frame_too_large""#) && answers[0].contains("at most \(limit) bytes"), "\(answers[0])")
        #expect(answers[1].contains(#""error":"invalid_frame""#) && answers[1].contains("binary"), "\(answers[1])")
        #expect(answers[2].contains(#""error":"invalid_json""#), "\(answers[2])")
        #expect(answers[3].hasPrefix(#"{"_type":"ack""#), "a frame of exactly max_frame_bytes is taken: \(answers[3])")
        let fragmentedAnswers = fragmented.filter { !$0.hasPrefix(#"{"_type":"message""#) }
        #expect(
            fragmentedAnswers.count == 2 && fragmentedAnswers[0].contains("frame_too_large") && fragmentedAnswers[1].hasPrefix(#"{"_type":"ack""#),
            "\(fragmented)"
        )
        let stored = try await (harness.store as! SQLiteStore).history(of: Self.chat(), query: TopicQuery(), limit: 10).rows
        #expect(stored.map { $0["body"] } == [.text(exact), .text("after")], "only the frames within the limit were written")
    }

    @Test func anAlertingPostIsInTheOutboxAndNothingStaysPending() async throws {
        let topic = Self.chat(alert: true)
        let harness = try await Self.harness(topic)
        let frames = try await Self.live(harness) { url in try await Self.converse(url, [Self.post("R&D disk <full>")]) }
        #expect(frames.last?.hasPrefix(#"{"_type":"ack""#) == true)
        #expect(try await (harness.store as! SQLiteStore).pendingAlerts(after: 0, limit: 10).isEmpty)
        await harness.hub.dispatcher.drain()
        #expect(harness.tester.sent().map(\.text) == ["said: R&D disk <full>"], "plain-text alerts are not HTML-escaped")
    }

    /// A crash after the row's commit and before the outbox: the alert is recorded with the
    /// row, so the next start queues it, once.
    @Test func anAlertLeftPendingByACrashIsQueuedAtTheNextStartOnce() async throws {
        let topic = Self.chat(alert: true)
        let harness = try await Self.harness(topic)
        let store = harness.store as! SQLiteStore
        // The "crashed" hub: the write commits, and nothing runs after it.
        let crashed = TopicHub(topics: [topic], store: store)
        let change = try await crashed.write(TopicFrame(method: .post, fields: ["body": .text("router down")]), to: topic, principal: nil)
        #expect(change.alertID != nil)
        try await harness.expectNothingQueued()

        // Start (the replay runs before connections are taken), connect once, and stop.
        let frames = try await Self.live(harness) { url in try await Self.converse(url, []) }
        #expect(frames.isEmpty)
        #expect(try await store.pendingAlerts(after: 0, limit: 10).isEmpty)
        await harness.hub.dispatcher.drain()
        #expect(harness.tester.sent().map(\.text) == ["said: router down"])

        // Queued but not cleared (a crash right after the outbox commit): a replay is a no-op.
        let env = APIEnvironment(hub: harness.hub, accounts: harness.accounts, registry: TestMetrics.registry, openAPIDocument: nil)
        let endpoints = try #require(TopicEndpoints(env, hooks: [:], logger: harness.logger))
        await endpoints.alerts.alert(change, topic: topic, principal: nil, topics: endpoints.hub)
        await harness.hub.dispatcher.drain()
        #expect(harness.tester.sent().count == 1, "the alert's idempotency key makes a second queueing a no-op")
    }
}
