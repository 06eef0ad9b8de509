import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import SwitchboardCore

/// The HTTP server with WebSocket upgrades for the configured topics (plain HTTP/1 when
/// there are none). Each topic socket is one `TopicConnection`.
func topicServer(_ env: APIEnvironment, logger: Logger, hooks: [String: any TopicHook] = [:]) -> HTTPServerBuilder {
    let topics = env.hub.configuration.topics
    guard !topics.isEmpty, let store = env.hub.store as? any TopicStore else { return .http1() }
    let hub = TopicHub(topics: topics, store: store, hooks: hooks, logger: logger)
    let alerts = TopicAlerts(hub: env.hub, topics: topics, logger: logger)
    let gate = TopicGate(store: env.hub.store)
    let configuration = HTTP1WebSocketUpgradeChannel.Configuration(ws: .init(maxFrameSize: TopicConnection.maxFrameBytes))
    return .http1WebSocketUpgrade(configuration: configuration) { head, _, logger in
        let (path, query) = TopicConnection.split(head.path ?? "")
        guard let topic = hub.topic(path: path) else { return .dontUpgrade }
        let admission: TopicGate.Admission
        do {
            admission = try await gate.admit(topic, headers: head.headerFields, authority: head.authority, rawQuery: query)
        } catch {
            // A refused upgrade can only be a bare 400 here, which tells a browser nothing:
            // the socket opens just to carry the reason, then closes with 4000 + HTTP status.
            let refusal = error as? APIError ?? APIError(.internalServerError, "internal_error", "could not check the credentials; try again")
            return .upgrade([:]) { _, outbound, _ in
                let frame = TopicJSON.error(TopicError(.forbidden, refusal.code, refusal.message), method: nil, ref: nil)
                try? await outbound.write(.text(String(frame.dropLast()) + #","status":\#(refusal.status.code)}"#))
                try? await outbound.close(.unknown(UInt16(4000 + refusal.status.code)), reason: refusal.code)
            }
        }
        return .upgrade([:]) { inbound, outbound, _ in
            // Open sockets would hold a graceful shutdown forever: end them when it starts.
            await TopicHub.untilGracefulShutdown {
                await TopicConnection(hub: hub, alerts: alerts, admission: admission, logger: logger).run(inbound, outbound)
            }
        }
    }
}

/// One subscriber's socket: history and live rows out, write frames in.
///
/// Frames are handled one at a time in the order sent; each answer (ack or error) is queued
/// behind the rows already queued for this client, so a client sees its own broadcast
/// before its ack. A bad frame gets an error frame and the socket stays open.
struct TopicConnection: Sendable {
    static let maxFrameBytes = 1 << 16
    let hub: TopicHub
    let alerts: TopicAlerts
    let admission: TopicGate.Admission
    let logger: Logger

    static func split(_ target: String) -> (String, String) {
        guard let q = target.firstIndex(of: "?") else { return (target, "") }
        return (String(target[..<q]), String(target[target.index(after: q)...]))
    }

    func run(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async {
        let topic = admission.topic
        let subscription: TopicSubscription
        do {
            subscription = try await hub.subscribe(topic, principal: admission.principal, query: admission.query)
        } catch {
            let e = Self.topicError(error, logger: logger)
            try? await outbound.write(.text(TopicJSON.error(e, method: nil, ref: nil)))
            try? await outbound.close(.unexpectedServerError, reason: e.code)
            return
        }
        let queue = TopicFrameQueue()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for await text in subscription.frames { try await outbound.write(.text(text)) }
                } catch {
                    subscription.cancel()  // the socket is gone: stop queueing for it
                }
            }
            group.addTask {
                while let texts = await queue.takeAll() { await handle(texts, subscription) }
                subscription.cancel()
            }
            do {
                for try await message in inbound.messages(maxSize: Self.maxFrameBytes) {
                    switch message {
                    case .text(let text): await queue.push(text)
                    case .binary: await queue.push("")  // answered in order as not JSON text
                    }
                }
            } catch {
                logger.debug("topic socket closed", metadata: ["topic": "\(topic.name)", "error": "\(error)"])
            }
            queue.finish()
        }
    }

    /// Answers a batch of frames in the order they came: decoding errors at once, writes
    /// through one `TopicHub.write` call so consecutive POSTs share a commit.
    func handle(_ texts: [String], _ subscription: TopicSubscription) async {
        var frames: [TopicFrame] = []
        var answers: [Result<TopicFrame, TopicFrameDecoder.Failure>] = []
        for text in texts {
            if text.isEmpty {
                answers.append(.failure(.init(error: .invalid("invalid_frame", "frames must be JSON text, not binary"))))
                continue
            }
            do throws(TopicFrameDecoder.Failure) {
                let frame = try TopicFrameDecoder.decode(text)
                frames.append(frame)
                answers.append(.success(frame))
            } catch {
                answers.append(.failure(error))
            }
        }
        var results = await hub.write(frames, to: admission.topic, principal: admission.principal).makeIterator()
        for answer in answers {
            switch answer {
            case .failure(let f): subscription.send(TopicJSON.error(f.error, method: f.method, ref: f.ref))
            case .success(let frame):
                switch results.next()! {
                case .success(let change):
                    subscription.send(TopicJSON.ack(change, ref: frame.ref))
                    if frame.alert { await alerts.alert(change, topic: admission.topic, principal: admission.principal) }
                case .failure(let error):
                    subscription.send(TopicJSON.error(Self.topicError(error, logger: logger), method: frame.method.rawValue, ref: frame.ref))
                }
            }
        }
    }

    /// A refusal as clients see it; unexpected errors are logged and reported without detail.
    static func topicError(_ error: any Error, logger: Logger) -> TopicError {
        if let e = error as? TopicError { return e }
        if let e = error as? SwitchboardError {
            return TopicError(e.kind == .forbidden ? .forbidden : (e.kind == .notFound ? .notFound : .invalid), e.code, e.message)
        }
        logger.error("topic write failed", metadata: ["error": "\(error)"])
        return TopicError(.unavailable, "internal_error", "the message could not be stored; nothing was written; try again")
    }
}
