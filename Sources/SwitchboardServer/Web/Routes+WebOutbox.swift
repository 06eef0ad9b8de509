import Foundation
import Hummingbird
import SwitchboardCore

// The outbox pages (admins, as the queue API): who is waiting for what, most urgent first;
// one recipient's queue; the dead letters (failed and held) with retry of one, the selected
// or all; cancelling what waited too long; a delivery's history with a status set by hand.
// Every change goes through the same operations as `/api/v1/queue/…` (`Routes+Queue.swift`).

/// The outbox forms' fields: retry (`status`, `ids[]`, `one`, `all`), cancel (`min_age`,
/// `channel`, `reason`), set a status (`status`, `reason`).
struct OutboxForm: CSRFCarryingForm {
    var csrf: String?
    var status: String?
    var ids: [String]?
    var one: String?
    var all: String?
    var minAge: String?
    var channel: String?
    var reason: String?

    enum CodingKeys: String, CodingKey {
        case csrf = "_csrf"
        case minAge = "min_age"
        case status, ids, one, all, channel, reason
    }
}

extension APIEnvironment {
    /// Rows per page of each outbox list (waiting recipients, failed, held).
    static let outboxPageSize = 50
    /// One recipient's queue shows its most urgent deliveries up to this many; the rest wait
    /// their turn behind them (cancel and retry still take every one).
    static let recipientQueueLimit = 200

    /// A value as one path segment: all but RFC 3986's unreserved characters percent-encoded
    /// (an address may hold `/`, `+` and `:`).
    static func pathSegment(_ value: String) -> String {
        var unreserved = CharacterSet.alphanumerics
        unreserved.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    func addWebOutboxRoutes(to pages: RouterGroup<Context>) {
        pages.get("/outbox") { request, context in try await outboxPage(request, context) }
        pages.post("/outbox/retry") { request, context in try await outboxRetryForm(request, context) }
        pages.post("/outbox/cancel") { request, context in try await outboxCancelForm(request, context) }
        pages.get("/outbox/recipients/{address}") { request, context in try await outboxRecipientPage(request, context) }
        pages.get("/outbox/deliveries/{id}") { request, context in try await outboxDeliveryPage(request, context) }
        pages.post("/outbox/deliveries/{id}/status") { request, context in try await outboxStatusForm(request, context) }
    }

    /// Waiting recipients (filtered by `channel`), the cancel form, and the dead letters; each
    /// list a page at a time by its own cursor (`cursor`, `failed_cursor`, `held_cursor`), so
    /// every page is a link that can be kept. Retry all and cancel act on every matching row.
    func outboxPage(_ request: Request, _ context: Context, error: APIError? = nil) async throws -> Response {
        if let refused = try await refuseUnlessAdmin(request, context) { return refused }
        let query = request.uri.queryParameters
        let channelName = query["channel"].map(String.init) ?? ""
        var channel: ChannelName?
        if !channelName.isEmpty {
            guard let known = knownChannel(channelName) else {
                return try await errorPage(web.texts["outbox_bad_channel"], status: .badRequest, request, context)
            }
            channel = known
        }
        let names = ["cursor", "failed_cursor", "held_cursor"]
        // The cursors and filter of the page shown, so a link to another page of one list
        // keeps the others where they are.
        var current: [String: String] = [:]
        for name in names + ["channel"] { if let value = query[name[...]].map(String.init), !value.isEmpty { current[name] = value } }
        func link(_ changes: [String: String?]) -> String {
            var items = current
            for (name, value) in changes { items[name] = value }
            return WebPaths.link("/outbox", (["channel"] + names).compactMap { name in items[name].map { (name, $0) } })
        }
        let size = Self.outboxPageSize
        let recipients: RecipientPage
        var groups: [[String: Any]] = []
        do {
            recipients = try await store.pendingRecipients(channel: channel, limit: size, after: current["cursor"])
            for status in [DeliveryStatus.failed, .held] {
                let name = "\(status.rawValue)_cursor"
                let page = try await store.deliveries(status: status, limit: size, after: current[name])
                let rows = page.deliveries.map(deadLetterRow)
                var group: [String: Any] = [
                    "status": status.rawValue, "heading": web.texts["outbox_\(status.rawValue)_heading"], "rows": rows,
                    "hasRows": !rows.isEmpty,
                ]
                if let next = page.nextCursor { group["next"] = link([name: next]) }
                if current[name] != nil { group["newest"] = link([name: nil]) }
                groups.append(group)
            }
        } catch let refusal as SwitchboardError where refusal.code == "invalid_cursor" {
            return try await errorPage(web.texts["outbox_bad_cursor"], status: .badRequest, request, context)
        }
        var values: [String: Any] = [
            "recipients": recipients.recipients.map(recipientRow),
            "hasRecipients": !recipients.recipients.isEmpty,
            "channels": channelNames.split(separator: ", ").map { ["value": String($0), "selected": String($0) == channelName] },
            "filtered": channel != nil,
            "groups": groups,
        ]
        if let next = recipients.nextCursor { values["recipientsNext"] = link(["cursor": next]) }
        if current["cursor"] != nil { values["recipientsFirst"] = link(["cursor": nil]) }
        if let done = query["done"].map(String.init), ["retried", "cancelled"].contains(done) {
            let count = query["count"].flatMap { Int($0) } ?? 0
            values["notice"] = web.texts["outbox_done_\(done)"].replacingOccurrences(of: "{count}", with: "\(count)")
        }
        if let error { values["problem"] = error.message }
        return try await render(
            WebPage(template: "outbox", title: web.texts["outbox_title"], page: "outbox", values: values, status: error?.status ?? .ok),
            request,
            context
        )
    }

    func recipientRow(_ r: PendingRecipient) -> [String: Any] {
        [
            "address": r.address.description, "href": "/outbox/recipients/\(Self.pathSegment(r.address.description))",
            "channel": r.channel.rawValue, "count": "\(r.count)", "severity": r.highestSeverity.rawValue,
            "oldest": Self.label(r.oldest), "oldestISO": r.oldest.formatted(Date.ISO8601FormatStyle()),
        ]
    }

    func deadLetterRow(_ d: Delivery) -> [String: Any] {
        var row: [String: Any] = [
            "id": d.id, "href": "/outbox/deliveries/\(Self.pathSegment(d.id))", "address": d.address.description,
            "channel": d.channel.rawValue, "status": d.status.rawValue, "attempts": "\(d.attempts)", "connector": d.connector ?? "-",
            "updated": Self.label(d.updatedAt), "updatedISO": d.updatedAt.formatted(Date.ISO8601FormatStyle()),
        ]
        if let error = d.lastError { row["lastError"] = error }
        return row
    }

    /// Retry: the one delivery whose button was pressed, the selected ones, or all in a status.
    func outboxRetryForm(_ request: Request, _ context: Context) async throws -> Response {
        if let refused = try await refuseUnlessAdmin(request, context) { return refused }
        let admin = try context.requireUser()
        let form = try await csrfCheckedForm(OutboxForm.self, request, context)
        let status: DeliveryStatus
        switch form.status ?? DeliveryStatus.failed.rawValue {
        case DeliveryStatus.failed.rawValue: status = .failed
        case DeliveryStatus.held.rawValue: status = .held
        case let other:
            return try await outboxPage(
                request,
                context,
                error: .unprocessable("invalid_status", "'status' must be failed or held, not '\(other)'")
            )
        }
        let ids: [String]?
        if let one = form.one, !one.isEmpty {
            ids = [one]
        } else if form.all == "1" {
            ids = nil
        } else {
            ids = form.ids?.filter { !$0.isEmpty } ?? []
            if ids?.isEmpty == true {
                return try await outboxPage(request, context, error: .unprocessable("missing_ids", web.texts["outbox_select_some"]))
            }
        }
        do {
            let count = try await retryQueued(ids: ids, status: status, reason: nil, by: admin, context)
            return Response(status: .seeOther, headers: [.location: "/outbox?done=retried&count=\(count)"])
        } catch {
            guard let refusal = Self.refusal(error) else { throw error }
            return try await outboxPage(request, context, error: refusal)
        }
    }

    /// Cancels queued and held deliveries older than the age given (`30m`, `2h`, `1d`, seconds).
    func outboxCancelForm(_ request: Request, _ context: Context) async throws -> Response {
        if let refused = try await refuseUnlessAdmin(request, context) { return refused }
        let admin = try context.requireUser()
        let form = try await csrfCheckedForm(OutboxForm.self, request, context)
        let text = form.minAge?.trimmingCharacters(in: .whitespaces) ?? ""
        guard let age = Double(text) ?? ConfigReader.parseDuration(text), age.isFinite, age >= 0 else {
            return try await outboxPage(request, context, error: .unprocessable("invalid_min_age", web.texts["outbox_cancel_bad_age"]))
        }
        var channel: ChannelName?
        if let name = form.channel, !name.isEmpty {
            guard let known = knownChannel(name) else {
                return try await outboxPage(request, context, error: .unprocessable("unknown_channel", web.texts["outbox_bad_channel"]))
            }
            channel = known
        }
        do {
            let count = try await cancelQueued(olderThan: age, channel: channel, reason: form.reason, by: admin, context)
            return Response(status: .seeOther, headers: [.location: "/outbox?done=cancelled&count=\(count)"])
        } catch {
            guard let refusal = Self.refusal(error) else { throw error }
            return try await outboxPage(request, context, error: refusal)
        }
    }

    /// One recipient's waiting deliveries with their messages, most severe first, then oldest.
    func outboxRecipientPage(_ request: Request, _ context: Context) async throws -> Response {
        if let refused = try await refuseUnlessAdmin(request, context) { return refused }
        let raw = try context.parameters.require("address")
        guard let address = raw.removingPercentEncoding.flatMap({ try? Address(parsing: $0) }) else {
            return try await errorPage(web.texts["outbox_bad_address"], status: .badRequest, request, context)
        }
        let rows = try await store.pending(address: address, limit: Self.recipientQueueLimit).map { job -> [String: Any] in
            var row = deadLetterRow(job.delivery)
            row["severity"] = job.message.severity.rawValue
            row["text"] = job.message.subject ?? job.message.text
            row["created"] = Self.label(job.delivery.createdAt)
            row["createdISO"] = job.delivery.createdAt.formatted(Date.ISO8601FormatStyle())
            if let next = job.delivery.nextAttemptAt { row["next"] = Self.label(next) }
            return row
        }
        let values: [String: Any] = [
            "address": address.description, "rows": rows, "hasRows": !rows.isEmpty, "full": rows.count == Self.recipientQueueLimit,
            "limit": "\(Self.recipientQueueLimit)",
        ]
        return try await render(
            WebPage(
                template: "outbox-recipient",
                title: web.texts["outbox_recipient_title"] + " " + address.description,
                page: "outbox",
                values: values
            ),
            request,
            context
        )
    }

    /// A delivery with every attempt and status change, and the form to set its status.
    func outboxDeliveryPage(_ request: Request, _ context: Context, error: APIError? = nil) async throws -> Response {
        if let refused = try await refuseUnlessAdmin(request, context) { return refused }
        let id = try context.parameters.require("id")
        guard let delivery = try await store.delivery(id: id) else {
            return try await errorPage(web.texts["outbox_delivery_not_found"], status: .notFound, request, context)
        }
        var values = deadLetterRow(delivery)
        values["messageHref"] = "/messages/\(Self.pathSegment(delivery.messageID))"
        values["created"] = Self.label(delivery.createdAt)
        values["createdISO"] = delivery.createdAt.formatted(Date.ISO8601FormatStyle())
        if let next = delivery.nextAttemptAt { values["next"] = Self.label(next) }
        values["attemptRows"] = try await store.attempts(deliveryID: id).map { a -> [String: Any] in
            var row: [String: Any] = [
                "number": "\(a.number)", "at": Self.label(a.at), "atISO": a.at.formatted(Date.ISO8601FormatStyle()),
                "connector": a.connector, "outcome": a.outcome.rawValue,
            ]
            if let error = a.error { row["error"] = error }
            return row
        }
        values["changes"] = try await store.statusChanges(deliveryID: id).map { c -> [String: Any] in
            [
                "from": c.from.rawValue, "to": c.to.rawValue, "reason": c.reason, "actor": c.actor, "at": Self.label(c.at),
                "atISO": c.at.formatted(Date.ISO8601FormatStyle()),
            ]
        }
        let targets = DeliveryStatus.allCases.filter { delivery.status.canMove(to: $0) }
        if !targets.isEmpty {
            values["setStatus"] = [
                "action": "/outbox/deliveries/\(Self.pathSegment(id))/status", "targets": targets.map(\.rawValue),
            ]
        }
        if let error { values["problem"] = error.message }
        return try await render(
            WebPage(
                template: "outbox-delivery",
                title: web.texts["outbox_delivery_title"] + " " + delivery.address.description,
                page: "outbox",
                values: values,
                status: error?.status ?? .ok
            ),
            request,
            context
        )
    }

    /// An operator's status change with its reason, as `POST /api/v1/deliveries/{id}/status`.
    func outboxStatusForm(_ request: Request, _ context: Context) async throws -> Response {
        if let refused = try await refuseUnlessAdmin(request, context) { return refused }
        let admin = try context.requireUser()
        let form = try await csrfCheckedForm(OutboxForm.self, request, context)
        let id = try context.parameters.require("id")
        do {
            _ = try await changeDeliveryStatus(deliveryID: id, to: form.status ?? "", reason: form.reason, by: admin, context)
        } catch {
            guard let refusal = Self.refusal(error) else { throw error }
            if refusal.status == .notFound {
                return try await errorPage(web.texts["outbox_delivery_not_found"], status: .notFound, request, context)
            }
            return try await outboxDeliveryPage(request, context, error: refusal)
        }
        return Response(status: .seeOther, headers: [.location: "/outbox/deliveries/\(Self.pathSegment(id))"])
    }
}
