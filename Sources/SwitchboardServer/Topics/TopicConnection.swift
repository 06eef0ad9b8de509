import Foundation
import Logging
import SwitchboardCore

/// What a subscriber's writes go through: frames in the order sent, each answer (ack or
/// error) queued behind the rows already queued for this client, so a client sees its own
/// broadcast before its ack. A bad frame (not JSON, binary, not UTF-8, over
/// `max_frame_bytes`) gets an error frame and the socket stays open. The socket itself is
/// `TopicSocketHandler`.
struct TopicConnection: Sendable {
    let hub: TopicHub
    let alerts: TopicAlerts
    let admission: TopicGate.Admission
    let logger: Logger
    var storage = StorageHealth()
    var dataDirectory = ""

    static func split(_ target: String) -> (String, String) {
        guard let q = target.firstIndex(of: "?") else { return (target, "") }
        return (String(target[..<q]), String(target[target.index(after: q)...]))
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
                    throw .init(
                        error: .invalid("frame_too_large", "the frame is \(size) bytes; this topic takes at most \(limit) bytes (max_frame_bytes)")
                    )
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
                    storage.writeSucceeded()
                    // The alert is queued before the ack, so an ack means row and alert are both on disk.
                    await alerts.alert(change, topic: admission.topic, principal: admission.principal, topics: hub)
                    subscription.send(TopicJSON.ack(change, ref: frame.ref))
                case .failure(let error):
                    subscription.send(TopicJSON.error(topicError(error), method: frame.method.rawValue, ref: frame.ref))
                }
            }
        }
    }

    /// A write's refusal as the client sees it: a write the store could not take for want
    /// of disk space is `storage_full` with the API's message (nothing of it was saved) and
    /// marks the store full for `/health`, as a refused API write does.
    func topicError(_ error: any Error) -> TopicError {
        if !(error is TopicError), !(error is SwitchboardError), !dataDirectory.isEmpty,
            StorageHealth.isOutOfSpace(error, dataDirectory: dataDirectory)
        {
            logger.error("the store is out of disk space", metadata: ["error": "\(error)", "data_dir": "\(dataDirectory)"])
            storage.writeFailedForSpace()
            return TopicError(.unavailable, APIError.storageFull.code, APIError.storageFull.message)
        }
        return Self.topicError(error, logger: logger)
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
