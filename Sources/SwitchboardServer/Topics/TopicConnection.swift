import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
import SwitchboardCore

/// One subscriber's socket: history and live rows out, write frames in.
///
/// Frames are handled one at a time in the order sent; each answer (ack or error) is queued
/// behind the rows already queued for this client, so a client sees its own broadcast
/// before its ack. A bad frame (not JSON, binary, not UTF-8, over `max_frame_bytes`) gets
/// an error frame and the socket stays open. A client that falls more than
/// `max_queued_frames` behind gets a `too_slow` error frame and a close (1008, `too_slow`).
struct TopicConnection: Sendable {
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
        // Tasks are most of an idle connection's memory, so there are as few as can be: the
        // reader (this task), the writer, and a handler for the client's writes that starts
        // only when the client first sends something (most subscribers never do).
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        while let batch = await subscription.next() {
                            for text in batch { try await outbound.write(.text(text)) }
                        }
                        if subscription.endReason == .tooSlow {
                            try await outbound.close(.policyViolation, reason: "too_slow")
                        }
                    } catch {
                        subscription.cancel()  // the socket is gone: stop queueing for it
                    }
                }
                var handling = false
                do {
                    try await Self.read(inbound, limit: topic.maxFrameBytes) { item in
                        if !handling {
                            handling = true
                            group.addTask {
                                while let items = await queue.takeAll() { await handle(items, subscription) }
                                subscription.cancel()
                            }
                        }
                        await queue.push(item)
                    }
                } catch {
                    logger.debug("topic socket closed", metadata: ["topic": "\(topic.name)", "error": "\(error)"])
                }
                queue.finish()
                if !handling { subscription.cancel() }
            }
        } onGracefulShutdown: {
            // The WebSocket layer sends the close frame; no more rows after it.
            subscription.cancel()
        }
    }

    /// Reads whole messages frame by frame, never holding more than `limit` bytes of one:
    /// the rest of an oversize message is skipped and the message reported as `.tooLarge`.
    static func read(_ inbound: WebSocketInboundStream, limit: Int, _ deliver: (TopicInbound) async -> Void) async throws {
        var parts = ByteBuffer()
        var size = 0
        var binary = false
        for try await frame in inbound {
            if frame.opcode != .continuation {
                size = 0; binary = frame.opcode == .binary
                parts.clear()
            }
            size += frame.data.readableBytes
            if frame.fin && parts.readableBytes == 0 {
                // One-frame message (the usual case): no copy.
                await deliver(size > limit ? .tooLarge(size) : binary ? .binary : Self.text(frame.data))
                continue
            }
            if size <= limit && !binary {
                var data = frame.data
                parts.writeBuffer(&data)
            } else {
                parts.clear()
                if !frame.fin { parts.writeInteger(UInt8(0)) }  // remember a message is open
            }
            guard frame.fin else { continue }
            await deliver(size > limit ? .tooLarge(size) : binary ? .binary : Self.text(parts))
            parts.clear()
        }
    }

    static func text(_ buffer: ByteBuffer) -> TopicInbound {
        String(validating: buffer.readableBytesView, as: UTF8.self).map(TopicInbound.text) ?? .invalidUTF8
    }

    /// Answers a batch of frames in the order they came: decoding errors at once, writes
    /// through one `TopicHub.write` call so consecutive POSTs share a commit.
    func handle(_ items: [TopicInbound], _ subscription: TopicSubscription) async {
        var frames: [TopicFrame] = []
        var answers: [Result<TopicFrame, TopicFrameDecoder.Failure>] = []
        let limit = admission.topic.maxFrameBytes
        for item in items {
            do throws(TopicFrameDecoder.Failure) {
                switch item {
                case .binary: throw .init(error: .invalid("invalid_frame", "frames must be JSON text, not binary"))
                case .invalidUTF8: throw .init(error: .invalid("invalid_frame", "the frame is not valid UTF-8 text"))
                case .tooLarge(let size):
                    throw .init(error: .invalid("frame_too_large", "the frame is \(size) bytes; this topic takes at most \(limit) bytes (max_frame_bytes)"))
                case .text(let text):
                    let frame = try TopicFrameDecoder.decode(text)
                    frames.append(frame)
                    answers.append(.success(frame))
                }
            } catch {
                answers.append(.failure(error))
            }
        }
        var results: [Result<TopicChange, any Error>] = []
        if !frames.isEmpty { results = await hub.write(frames, to: admission.topic, principal: admission.principal) }
        var next = results.makeIterator()
        for answer in answers {
            switch answer {
            case .failure(let f): subscription.send(TopicJSON.error(f.error, method: f.method, ref: f.ref))
            case .success(let frame):
                switch next.next()! {
                case .success(let change):
                    // The alert is queued before the ack, so an ack means row and alert are both on disk.
                    await alerts.alert(change, topic: admission.topic, principal: admission.principal, topics: hub)
                    subscription.send(TopicJSON.ack(change, ref: frame.ref))
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

/// One message a client sent, as read off the socket.
enum TopicInbound: Sendable, Equatable {
    case text(String)
    case binary
    case invalidUTF8
    /// Longer than the topic's `max_frame_bytes` (the size read); its bytes were dropped.
    case tooLarge(Int)
}
