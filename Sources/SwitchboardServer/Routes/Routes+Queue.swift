import Foundation
import Hummingbird
import SwitchboardCore

// The operator's queue (NAV smsd's queue operations): who is waiting for what, cancelling
// stale deliveries, the dead-letter queue and retrying it, a delivery's full history, setting
// a status by hand with a reason, and test messages. Admins only: each of these changes or
// shows every user's traffic. Every change is recorded with the admin's username as actor.

/// A duration given as a number of seconds or as text such as `30s`, `5m`, `1h`, `2d`.
struct DurationValue: Decodable, Equatable {
    var seconds: TimeInterval

    init(seconds: TimeInterval) { self.seconds = seconds }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let value: TimeInterval?
        if let number = try? c.decode(Double.self) {
            value = number
        } else if let text = try? c.decode(String.self) {
            value = ConfigReader.parseDuration(text)
        } else {
            throw DecodingError.typeMismatch(String.self, .init(codingPath: c.codingPath, debugDescription: "expected a duration"))
        }
        guard let value, value.isFinite, value >= 0 else {
            throw DecodingError.dataCorruptedError(
                in: c,
                debugDescription: "expected a duration such as 30s, 5m, 1h or 2d, or a number of seconds, not negative"
            )
        }
        seconds = value
    }
}

struct QueueCancelBody: APIRequestBody {
    var minAge: DurationValue
    var channel: String?
    var reason: String?
    enum CodingKeys: String, CodingKey {
        case minAge = "min_age"
        case channel, reason
    }
    static let shape = JSONShape.keys("min_age", "channel", "reason")
}

struct QueueRetryBody: APIRequestBody {
    var ids: [String]?
    var status: String?
    var reason: String?
    static let shape = JSONShape.keys("ids", "status", "reason")
}

struct DeliveryStatusBody: APIRequestBody {
    var status: String
    var reason: String
    static let shape = JSONShape.keys("status", "reason")
}

struct QueueTestBody: APIRequestBody {
    var to: String
    var count: Int?
    var severity: Severity?
    static let shape = JSONShape.keys("to", "count", "severity")
}

extension APIEnvironment {
    static let maxTestMessages = 100
    static let maxRetryIDs = 1000
    static let maxReasonBytes = 1000
    static let deadLetterLimits = 1...1000

    func addQueueRoutes(to api: RouterGroup<Context>) {
        api.get("/queue/recipients") { request, context in try await pendingRecipients(request, context) }
        api.get("/queue/recipients/{address}") { request, context in try await recipientQueue(request, context) }
        api.post("/queue/cancel") { request, context in try await cancelPending(request, context) }
        api.get("/queue/dead-letters") { request, context in try await deadLetters(request, context) }
        api.post("/queue/retry") { request, context in try await retryDeliveries(request, context) }
        api.post("/queue/test") { request, context in try await queueTestMessages(request, context) }
        api.get("/deliveries/{id}") { request, context in try await deliveryHistory(request, context) }
        api.post("/deliveries/{id}/status") { request, context in try await setDeliveryStatus(request, context) }
    }

    /// Recipients with queued, sending or held deliveries, most urgent first, a page at a time.
    func pendingRecipients(_ request: Request, _ context: Context) async throws -> Response {
        try context.requireAdmin()
        let query = try QueryParameters(request, allowed: ["channel", "limit", "cursor"])
        let limit = try query.int("limit", in: Self.deadLetterLimits) ?? 100
        var channel: ChannelName?
        if let name = query.string("channel") {
            guard let known = knownChannel(name) else {
                throw APIError.badRequest("invalid_parameter", "query parameter 'channel' names no channel: '\(name)'; known: \(channelNames)")
            }
            channel = known
        }
        let page = try await Self.cursorChecked { try await store.pendingRecipients(channel: channel, limit: limit, after: query.string("cursor")) }
        return try .json(CursorPageView(items: page.recipients.map(PendingRecipientView.init), nextCursor: page.nextCursor))
    }

    /// One recipient's first `limit` waiting deliveries (100 unless asked; at most 1,000) with
    /// their messages, most severe first, then oldest. The address is URL-encoded in the path
    /// (`sms:%2B4712345678`; `sms:+4712345678` works too).
    func recipientQueue(_ request: Request, _ context: Context) async throws -> Response {
        try context.requireAdmin()
        let query = try QueryParameters(request, allowed: ["limit"])
        let limit = try query.int("limit", in: Self.deadLetterLimits) ?? 100
        let raw = try context.parameters.require("address")
        guard let text = raw.removingPercentEncoding else {
            throw APIError.unprocessable("invalid_address", "the address '\(raw)' is not properly URL-encoded")
        }
        let address = try Address(parsing: text)
        let jobs = try await store.pending(address: address, limit: limit)
        return try .json(RecipientQueueView(address: address.description, items: jobs.map(QueuedDeliveryView.init)))
    }

    /// Cancels queued and held deliveries older than `min_age` (on one channel if given).
    func cancelPending(_ request: Request, _ context: Context) async throws -> Response {
        let admin = try context.requireAdmin()
        let body = try await request.decodeBody(QueueCancelBody.self, limit: maxBodyBytes).value
        var channel: ChannelName?
        if let name = body.channel {
            guard let known = knownChannel(name) else {
                throw APIError.unprocessable("unknown_channel", "no channel named '\(name)'; known: \(channelNames)")
            }
            channel = known
        }
        let cancelled = try await cancelQueued(olderThan: body.minAge.seconds, channel: channel, reason: body.reason, by: admin, context)
        return try .json(CancelledView(cancelled: cancelled))
    }

    /// The dead-letter queue: failed (or, with `status=held`, held) deliveries, most recently
    /// changed first, a page at a time.
    func deadLetters(_ request: Request, _ context: Context) async throws -> Response {
        try context.requireAdmin()
        let query = try QueryParameters(request, allowed: ["limit", "cursor", "status"])
        let limit = try query.int("limit", in: Self.deadLetterLimits) ?? 100
        let status = try query.oneOf("status", DeliveryStatus.self, allowed: [.failed, .held]) ?? .failed
        let page = try await Self.cursorChecked { try await store.deliveries(status: status, limit: limit, after: query.string("cursor")) }
        return try .json(CursorPageView(items: page.deliveries.map(DeliveryDetailView.init), nextCursor: page.nextCursor))
    }

    /// Runs a listing, answering a cursor the store refused as the other listings do.
    static func cursorChecked<Page>(_ list: () async throws -> Page) async throws -> Page {
        do { return try await list() } catch let error as SwitchboardError where error.code == "invalid_cursor" {
            throw APIError.badRequest("invalid_parameter", "query parameter 'cursor' must be a 'next_cursor' from an earlier page")
        }
    }

    /// Puts failed (or held) deliveries back in the queue with their attempts reset, and wakes
    /// the dispatcher. Without `ids`, every delivery in that status.
    func retryDeliveries(_ request: Request, _ context: Context) async throws -> Response {
        let admin = try context.requireAdmin()
        let body = try await request.decodeBody(QueueRetryBody.self, limit: maxBodyBytes).value
        let status: DeliveryStatus
        switch body.status ?? DeliveryStatus.failed.rawValue {
        case DeliveryStatus.failed.rawValue: status = .failed
        case DeliveryStatus.held.rawValue: status = .held
        case let other: throw APIError.unprocessable("invalid_status", "'status' must be failed or held, not '\(other)'")
        }
        let requeued = try await retryQueued(ids: body.ids, status: status, reason: body.reason, by: admin, context)
        return try .json(RequeuedView(requeued: requeued))
    }

    /// Queues `count` numbered test messages to one address through the normal send path.
    func queueTestMessages(_ request: Request, _ context: Context) async throws -> Response {
        let admin = try context.requireAdmin()
        let body = try await request.decodeBody(QueueTestBody.self, limit: maxBodyBytes).value
        let address = try Address(parsing: body.to)
        let count = body.count ?? 1
        guard (1...Self.maxTestMessages).contains(count) else {
            throw APIError.unprocessable("invalid_count", "'count' must be 1 to \(Self.maxTestMessages), not \(count)")
        }
        var ids: [String] = []
        for k in 1...count {
            let send = SendRequest(to: [address.description], text: "Switchboard test message \(k)/\(count)", severity: body.severity)
            ids.append(try await hub.send(send, sender: admin.username).record.message.id)
        }
        context.logger.info("test messages queued", metadata: ["count": "\(count)", "to": "\(address)", "by": "\(admin.username)"])
        return try .json(TestMessagesView(ids: ids), status: .accepted)
    }

    /// A delivery with its attempts and status changes, oldest first.
    func deliveryHistory(_ request: Request, _ context: Context) async throws -> Response {
        try context.requireAdmin()
        _ = try QueryParameters(request, allowed: [])
        let id = try context.parameters.require("id")
        guard let delivery = try await store.delivery(id: id) else { throw Self.deliveryNotFound(id) }
        async let attempts = store.attempts(deliveryID: id)
        async let changes = store.statusChanges(deliveryID: id)
        return try .json(
            DeliveryHistoryView(
                delivery: DeliveryDetailView(delivery),
                attempts: try await attempts.map(AttemptView.init),
                statusChanges: try await changes.map(StatusChangeView.init)
            )
        )
    }

    /// An operator's hand-made change, with a reason that is kept; illegal moves are 409.
    func setDeliveryStatus(_ request: Request, _ context: Context) async throws -> Response {
        let admin = try context.requireAdmin()
        let id = try context.parameters.require("id")
        let body = try await request.decodeBody(DeliveryStatusBody.self, limit: maxBodyBytes).value
        let delivery = try await changeDeliveryStatus(deliveryID: id, to: body.status, reason: body.reason, by: admin, context)
        return try .json(DeliveryDetailView(delivery))
    }

    // MARK: - The operations, shared by the API and the outbox page

    /// Cancels queued and held deliveries created more than `age` seconds ago.
    func cancelQueued(
        olderThan age: TimeInterval,
        channel: ChannelName?,
        reason given: String?,
        by admin: UserAccount,
        _ context: Context
    )
        async throws -> Int
    {
        let reason = try Self.reason(given) ?? "cancelled from the queue: older than \(Self.describe(age))"
        let cutoff = Date().addingTimeInterval(-age)
        let cancelled = try await store.cancelPending(createdBefore: cutoff, channel: channel, status: .cancelled, reason: reason, by: admin.username)
        context.logger.info(
            "queue cancelled",
            metadata: ["count": "\(cancelled)", "channel": "\(channel?.rawValue ?? "all")", "by": "\(admin.username)"]
        )
        return cancelled
    }

    /// Puts `failed` or `held` deliveries (`ids`, or all of them) back in the queue and wakes
    /// the dispatcher.
    func retryQueued(ids: [String]?, status: DeliveryStatus, reason given: String?, by admin: UserAccount, _ context: Context) async throws -> Int {
        if let ids {
            guard !ids.isEmpty else {
                throw APIError.unprocessable("missing_ids", "'ids' is empty; leave it out to retry every \(status.rawValue) delivery")
            }
            guard ids.count <= Self.maxRetryIDs else {
                throw APIError.unprocessable("too_many_ids", "'ids' has \(ids.count) entries; at most \(Self.maxRetryIDs)")
            }
        }
        let reason = try Self.reason(given) ?? "retried from the queue"
        let requeued = try await store.requeue(ids: ids, status: status, reason: reason, by: admin.username, now: Date())
        if requeued > 0 { hub.dispatcher.wake() }
        context.logger.info("queue retried", metadata: ["count": "\(requeued)", "status": "\(status.rawValue)", "by": "\(admin.username)"])
        return requeued
    }

    /// An operator's hand-made status change with its reason; illegal moves are 409.
    func changeDeliveryStatus(
        deliveryID id: String,
        to rawStatus: String,
        reason given: String?,
        by admin: UserAccount,
        _ context: Context
    )
        async throws -> Delivery
    {
        guard let status = DeliveryStatus(rawValue: rawStatus) else {
            throw APIError.unprocessable(
                "invalid_status",
                "'status' must be one of \(DeliveryStatus.allCases.map(\.rawValue).joined(separator: ", ")), not '\(rawStatus)'"
            )
        }
        guard let reason = try Self.reason(given) else {
            throw APIError.unprocessable("missing_reason", "'reason' must say why; it is kept with the change")
        }
        let delivery: Delivery
        do {
            delivery = try await store.setStatus(deliveryID: id, to: status, reason: reason, by: admin.username, now: Date())
        } catch let error as SwitchboardError where error.kind == .notFound {
            throw Self.deliveryNotFound(id)
        }
        if status == .queued { hub.dispatcher.wake() }
        context.logger.info("delivery status set", metadata: ["delivery": "\(id)", "status": "\(status.rawValue)", "by": "\(admin.username)"])
        return delivery
    }

    // MARK: - Helpers

    static func deliveryNotFound(_ id: String) -> APIError {
        .notFound("delivery_not_found", "no delivery with id '\(id)'")
    }

    /// A given reason, trimmed; `nil` when absent or blank, so the caller picks a default or refuses.
    static func reason(_ given: String?) throws -> String? {
        guard let trimmed = given?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        guard trimmed.utf8.count <= maxReasonBytes else {
            throw APIError.unprocessable("reason_too_long", "'reason' is longer than \(maxReasonBytes) bytes")
        }
        return trimmed
    }

    /// A configured channel, or one of the built-in ones deliveries are made on.
    func knownChannel(_ name: String) -> ChannelName? {
        let channel = ChannelName(name)
        return hub.configuration.channels[channel] != nil || [.sms, .email, .im].contains(channel) ? channel : nil
    }

    var channelNames: String {
        Set(hub.configuration.channels.keys).union([.sms, .email, .im]).map(\.rawValue).sorted().joined(separator: ", ")
    }

    /// `90` as `90s`, `3600` as `1h`: how the operator would have typed it.
    static func describe(_ seconds: TimeInterval) -> String {
        guard seconds < 1e12 else { return "\(seconds)s" }
        for (unit, size) in [("d", 86400.0), ("h", 3600), ("m", 60)] where seconds >= size && seconds.truncatingRemainder(dividingBy: size) == 0 {
            return "\(Int(seconds / size))\(unit)"
        }
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }
}
