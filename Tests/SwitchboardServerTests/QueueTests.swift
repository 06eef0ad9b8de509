import Foundation
import Hummingbird
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// The operator's queue over HTTP: listings, cancelling, the dead-letter queue and retry, a
/// delivery's history and hand-made changes, test messages; admins only, strict input.
@Suite struct QueueTests {
    /// Sends a message through the API (the dispatcher is not running, so it stays queued).
    @discardableResult
    static func send(
        _ api: API,
        to: String,
        _ text: String,
        severity: String = "info",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (message: String, delivery: String) {
        let reply = try await api.post("/api/v1/messages", #"{"to": ["\#(to)"], "text": "\#(text)", "severity": "\#(severity)"}"#)
        try #require(reply.status == .accepted, "send failed: \(reply.text)", sourceLocation: sourceLocation)
        return (try #require(try reply.json["id"].string), try #require(try reply.json["deliveries"][0]["id"].string))
    }

    @Test func everyQueueOperationIsForbiddenToNonAdminsAndChangesNothing() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let bob = try await anonymous.login("bob", "user-secret-1")
            let sent = try await Self.send(admin, to: "sms:+4712345678", "Disk full")
            let calls: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/api/v1/queue/recipients", nil),
                (.get, "/api/v1/queue/recipients/sms:+4712345678", nil),
                (.post, "/api/v1/queue/cancel", #"{"min_age": "0s"}"#),
                (.get, "/api/v1/queue/dead-letters", nil),
                (.post, "/api/v1/queue/retry", #"{"status": "failed"}"#),
                (.post, "/api/v1/queue/test", #"{"to": "sms:+4712345678"}"#),
                (.get, "/api/v1/deliveries/\(sent.delivery)", nil),
                (.post, "/api/v1/deliveries/\(sent.delivery)/status", #"{"status": "cancelled", "reason": "mine now"}"#),
            ]
            for (method, uri, body) in calls {
                let reply = try await bob.call(method, uri, body)
                #expect(reply.status == .forbidden, "\(method) \(uri) answered \(reply.status.code)")
                #expect(reply.errorCode == "forbidden", "\(method) \(uri)")
            }
            #expect(try await harness.store.delivery(id: sent.delivery)?.status == .queued)
            #expect(try await harness.store.statusChanges(deliveryID: sent.delivery) == [])
            #expect(try await harness.store.pendingRecipients(channel: nil).map(\.count) == [1], "no test message was queued")
        }
    }

    @Test func recipientsAreListedMostUrgentFirstAndByChannel() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            try await Self.send(api, to: "sms:+4711111111", "old warning", severity: "warning")
            try await Self.send(api, to: "sms:+4722222222", "info", severity: "info")
            try await Self.send(api, to: "mailto:ops@example.org", "critical", severity: "critical")
            try await Self.send(api, to: "sms:+4733333333", "new warning", severity: "warning")
            try await Self.send(api, to: "sms:+4722222222", "error", severity: "error")

            let all = try await api.get("/api/v1/queue/recipients")
            #expect(all.status == .ok)
            let items = try all.json["items"].array
            #expect(items.compactMap { $0["address"].string } == ["mailto:ops@example.org", "sms:+4722222222", "sms:+4711111111", "sms:+4733333333"])
            #expect(items.compactMap { $0["highest_severity"].string } == ["critical", "error", "warning", "warning"])
            #expect(items.compactMap { $0["count"].int } == [1, 2, 1, 1])
            #expect(items.first?.keys == ["address", "channel", "count", "oldest", "highest_severity"])

            let email = try await api.get("/api/v1/queue/recipients?channel=email")
            #expect(try email.json["items"].array.compactMap { $0["address"].string } == ["mailto:ops@example.org"])
            let unknown = try await api.get("/api/v1/queue/recipients?channel=pager")
            #expect(unknown.status == .badRequest)
            #expect(unknown.errorCode == "invalid_parameter")
            #expect(try await api.get("/api/v1/queue/recipients?chanel=sms").errorCode == "unknown_parameter")
        }
    }

    @Test func oneRecipientsQueueIsMostSevereFirstWithTheMessageText() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let info = try await Self.send(api, to: "sms:+4712345678", "Backup done", severity: "info")
            let critical = try await Self.send(api, to: "sms:+4712345678", "Core switch down", severity: "critical")
            let warning = try await Self.send(api, to: "sms:+4712345678", "Disk 90%", severity: "warning")
            try await Self.send(api, to: "sms:+4787654321", "Someone else's", severity: "critical")

            for path in ["sms%3A%2B4712345678", "sms:+4712345678", "%2B4712345678"] {
                let reply = try await api.get("/api/v1/queue/recipients/\(path)")
                #expect(reply.status == .ok, "\(path): \(reply.text)")
                let body = try reply.json
                #expect(body["address"].string == "sms:+4712345678")
                let items = body["items"].array
                #expect(items.compactMap { $0["id"].string } == [critical.delivery, warning.delivery, info.delivery], "\(path)")
                #expect(items.compactMap { $0["severity"].string } == ["critical", "warning", "info"])
                #expect(items.compactMap { $0["text"].string } == ["Core switch down", "Disk 90%", "Backup done"])
                #expect(items.first?["message_id"].string == critical.message)
                #expect(items.first?["status"].string == "queued")
                #expect(items.first?["subject"].isNull == true)
                #expect(items.first?["sender"].string == "admin")
            }
            let nobody = try await api.get("/api/v1/queue/recipients/sms%3A%2B4799999999")
            #expect(try nobody.json["items"].array.isEmpty)
            for bad in ["sms%3A1234567", "pager%3A1", "%E0%A4%A"] {
                let reply = try await api.get("/api/v1/queue/recipients/\(bad)")
                #expect(reply.status == .unprocessableContent, "\(bad)")
                #expect(reply.errorCode == "invalid_address", "\(bad)")
            }
        }
    }

    @Test func cancelTakesOnlyOldEnoughDeliveriesAndRecordsWhoAndWhy() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let sms = try await Self.send(api, to: "sms:+4712345678", "Link down")
            let mail = try await Self.send(api, to: "mailto:ops@example.org", "Link down")

            let bad: [(String, HTTPResponse.Status, String)] = [
                (#"{"min_age": "soon"}"#, .unprocessableContent, "invalid_value"),
                (#"{"min_age": -5}"#, .unprocessableContent, "invalid_value"),
                (#"{"min_age": true}"#, .badRequest, "invalid_json"),
                (#"{"channel": "sms"}"#, .badRequest, "invalid_json"),
                (#"{"min_age": "0s", "colour": "red"}"#, .badRequest, "unknown_field"),
                (#"{"min_age": "0s", "channel": "pager"}"#, .unprocessableContent, "unknown_channel"),
                (#"{"min_age": "0s",}"#, .badRequest, "invalid_json"),
            ]
            for (body, status, code) in bad {
                let reply = try await api.post("/api/v1/queue/cancel", body)
                #expect(reply.status == status, "\(body): \(reply.text)")
                #expect(reply.errorCode == code, "\(body): \(reply.text)")
            }
            #expect(try await harness.store.pendingRecipients(channel: nil).count == 2, "refused requests cancelled nothing")

            let young = try await api.post("/api/v1/queue/cancel", #"{"min_age": "1h"}"#)
            #expect(young.status == .ok)
            #expect(try young.json["cancelled"].int == 0, "nothing is an hour old")
            #expect(try await api.post("/api/v1/queue/cancel", #"{"min_age": 3600}"#).json["cancelled"].int == 0)

            let smsOnly = try await api.post("/api/v1/queue/cancel", #"{"min_age": "0s", "channel": "sms", "reason": "link is back"}"#)
            #expect(try smsOnly.json["cancelled"].int == 1)
            #expect(try await harness.store.delivery(id: mail.delivery)?.status == .queued, "the email is on another channel")

            let history = try await api.get("/api/v1/deliveries/\(sms.delivery)").json
            #expect(history["delivery"]["status"].string == "cancelled")
            let change = history["status_changes"][0]
            #expect(change["from"].string == "queued")
            #expect(change["to"].string == "cancelled")
            #expect(change["reason"].string == "link is back")
            #expect(change["actor"].string == "admin")
            #expect(change["at"].string != nil)

            let rest = try await api.post("/api/v1/queue/cancel", #"{"min_age": 0}"#)
            #expect(try rest.json["cancelled"].int == 1)
            let reason = try await harness.store.statusChanges(deliveryID: mail.delivery).first?.reason
            #expect(reason == "cancelled from the queue: older than 0s")
            try await harness.expectNothingQueued()
        }
    }

    @Test func deadLettersAreRetriedWithAttemptsResetAndTheDispatcherWoken() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let first = try await Self.send(api, to: "sms:+4712345678", "first")
            let second = try await Self.send(api, to: "sms:+4787654321", "second")
            let store = harness.store
            _ = try await store.claimDue(limit: 10, now: Date(), leaseUntil: Date() + 60)
            for id in [first.delivery, second.delivery] {
                let attempt = DeliveryAttempt(
                    deliveryID: id,
                    number: 1,
                    at: Date(),
                    connector: "tester",
                    outcome: .permanent,
                    error: "unknown number"
                )
                _ = try await store.finish(deliveryID: id, outcome: .failed(connector: "tester", error: "unknown number"), attempts: [attempt])
            }

            let dead = try await api.get("/api/v1/queue/dead-letters")
            #expect(dead.status == .ok)
            let items = try dead.json["items"].array
            #expect(Set(items.compactMap { $0["id"].string }) == [first.delivery, second.delivery])
            #expect(items.allSatisfy { $0["status"].string == "failed" && $0["attempts"].int == 1 && $0["last_error"].string == "unknown number" })
            #expect(Set(items.compactMap { $0["message_id"].string }) == [first.message, second.message])
            #expect(try await api.get("/api/v1/queue/dead-letters?limit=1").json["items"].array.count == 1)
            #expect(try await api.get("/api/v1/queue/dead-letters?limit=0").errorCode == "invalid_parameter")

            let bad: [(String, HTTPResponse.Status, String)] = [
                (#"{"status": "sent"}"#, .unprocessableContent, "invalid_status"),
                (#"{"ids": []}"#, .unprocessableContent, "missing_ids"),
                (#"{"ids": "all"}"#, .badRequest, "invalid_json"),
                (#"{"idz": ["x"]}"#, .badRequest, "unknown_field"),
            ]
            for (body, status, code) in bad {
                let reply = try await api.post("/api/v1/queue/retry", body)
                #expect(reply.status == status, "\(body): \(reply.text)")
                #expect(reply.errorCode == code, "\(body): \(reply.text)")
            }
            #expect(try await store.nextDue() == nil, "refused retries requeued nothing")

            let one = try await api.post("/api/v1/queue/retry", #"{"ids": ["\#(first.delivery)"], "reason": "number fixed"}"#)
            #expect(one.status == .ok)
            #expect(try one.json["requeued"].int == 1)
            let requeued = try #require(try await store.delivery(id: first.delivery))
            #expect(requeued.status == .queued)
            #expect(requeued.attempts == 0)
            #expect(try await store.statusChanges(deliveryID: first.delivery).map(\.reason) == ["number fixed"])

            #expect(try await api.post("/api/v1/queue/retry", "{}").json["requeued"].int == 1, "the rest of the failed ones")
            #expect(try await api.post("/api/v1/queue/retry", #"{"status": "held"}"#).json["requeued"].int == 0)
            await harness.hub.dispatcher.drain()
            #expect(Set(harness.tester.sent().map(\.text)) == ["first", "second"])
            #expect(try await api.get("/api/v1/queue/dead-letters").json["items"].array.isEmpty)
        }
    }

    @Test func aDeliveryShowsItsAttemptsAndHandMadeChangesWithReasons() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let sent = try await Self.send(api, to: "sms:+4712345678", "Sent one")
            await harness.hub.dispatcher.drain()
            let history = try await api.get("/api/v1/deliveries/\(sent.delivery)")
            #expect(history.status == .ok)
            let body = try history.json
            #expect(body.keys == ["delivery", "attempts", "status_changes"])
            #expect(body["delivery"]["status"].string == "sent")
            #expect(body["delivery"]["message_id"].string == sent.message)
            #expect(body["attempts"].array.count == 1)
            #expect(body["attempts"][0]["connector"].string == "tester")
            #expect(body["attempts"][0]["outcome"].string == "sent")
            #expect(body["attempts"][0]["error"].isNull)
            #expect(body["status_changes"].array.isEmpty)

            let queued = try await Self.send(api, to: "sms:+4712345678", "Queued one")
            let uri = "/api/v1/deliveries/\(queued.delivery)/status"
            let bad: [(String, HTTPResponse.Status, String)] = [
                (#"{"status": "cancelled"}"#, .badRequest, "invalid_json"),
                (#"{"status": "cancelled", "reason": "  "}"#, .unprocessableContent, "missing_reason"),
                (#"{"status": "gone", "reason": "x"}"#, .unprocessableContent, "invalid_status"),
                (#"{"status": "sending", "reason": "x"}"#, .unprocessableContent, "invalid_status"),
                (#"{"status": "delivered", "reason": "x"}"#, .conflict, "illegal_transition"),
                (#"{"status": "cancelled", "reason": "x", "by": "eve"}"#, .badRequest, "unknown_field"),
            ]
            for (json, status, code) in bad {
                let reply = try await api.post(uri, json)
                #expect(reply.status == status, "\(json): \(reply.text)")
                #expect(reply.errorCode == code, "\(json): \(reply.text)")
            }
            #expect(try await harness.store.delivery(id: queued.delivery)?.status == .queued, "refused changes change nothing")
            #expect(try await harness.store.statusChanges(deliveryID: queued.delivery).isEmpty)

            let cancelled = try await api.post(uri, #"{"status": "cancelled", "reason": "sent by mistake"}"#)
            #expect(cancelled.status == .ok)
            #expect(try cancelled.json["status"].string == "cancelled")
            #expect(try cancelled.json["id"].string == queued.delivery)
            let back = try await api.post(uri, #"{"status": "queued", "reason": "undo"}"#)
            #expect(back.status == .conflict)
            #expect(back.errorCode == "illegal_transition")
            #expect(back.errorMessage.contains("cancelled"))

            let changes = try await api.get("/api/v1/deliveries/\(queued.delivery)").json["status_changes"].array
            #expect(changes.count == 1)
            #expect(changes.first?["reason"].string == "sent by mistake")
            #expect(changes.first?["actor"].string == "admin")

            let missing = try await api.get("/api/v1/deliveries/no-such-delivery")
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "delivery_not_found")
            let missingSet = try await api.post("/api/v1/deliveries/no-such-delivery/status", #"{"status": "cancelled", "reason": "x"}"#)
            #expect(missingSet.status == .notFound)
            #expect(missingSet.errorCode == "delivery_not_found")
            try await harness.expectNothingQueued()
        }
    }

    @Test func testMessagesAreNumberedAndSentLikeAnyOther() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let bad: [(String, HTTPResponse.Status, String)] = [
                (#"{"to": "sms:1234567"}"#, .unprocessableContent, "invalid_address"),
                (#"{"to": "sms:+4712345678", "count": 0}"#, .unprocessableContent, "invalid_count"),
                (#"{"to": "sms:+4712345678", "count": 101}"#, .unprocessableContent, "invalid_count"),
                (#"{"to": "sms:+4712345678", "severity": "loud"}"#, .unprocessableContent, "invalid_value"),
                (#"{"to": "sms:+4712345678", "text": "hi"}"#, .badRequest, "unknown_field"),
                (#"{"count": 2}"#, .badRequest, "invalid_json"),
            ]
            for (json, status, code) in bad {
                let reply = try await api.post("/api/v1/queue/test", json)
                #expect(reply.status == status, "\(json): \(reply.text)")
                #expect(reply.errorCode == code, "\(json): \(reply.text)")
            }
            try await harness.expectNothingQueued()

            let reply = try await api.post("/api/v1/queue/test", #"{"to": "sms:+4712345678", "count": 3, "severity": "warning"}"#)
            #expect(reply.status == .accepted)
            let ids = try reply.json["ids"].array.compactMap(\.string)
            #expect(ids.count == 3)
            let record = try #require(try await harness.store.message(id: ids[0]))
            #expect(record.message.severity == .warning)
            #expect(record.message.sender == "admin")
            await harness.hub.dispatcher.drain()
            let texts = harness.tester.sent(to: .sms("+4712345678")).map(\.text).sorted()
            #expect(texts == ["Switchboard test message 1/3", "Switchboard test message 2/3", "Switchboard test message 3/3"])
        }
    }
}
