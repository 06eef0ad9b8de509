import Foundation
import Hummingbird
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// The issue's "done when": from logging in to a delivery reported `sent`, and an inbound SMS
/// read in the inbox, all through HTTP.
@Suite struct MessageFlowTests {
    @Test func groupSendReachesTheTesterAndReportsSentWithWarningsForMissingEmail() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()

            let contact = try await api.post("/api/v1/contacts", #"{"name": "Kari Nordmann", "addresses": ["sms:+4712345678"]}"#)
            #expect(contact.status == .created)
            let contactID = try #require(try contact.json["id"].string)

            #expect(try await api.post("/api/v1/groups", #"{"name": "oncall", "description": "Night shift"}"#).status == .created)
            let member = try await api.post("/api/v1/groups/oncall/members", #"{"contact_id": "\#(contactID)"}"#)
            #expect(member.status == .created)
            let memberWarnings = try member.json["warnings"].array.compactMap(\.string)
            #expect(memberWarnings.contains { $0.contains("Kari Nordmann") && $0.contains("no email") })
            #expect(!memberWarnings.contains { $0.contains("no phone") })

            let sent = try await api.post("/api/v1/messages", #"{"to": ["group:oncall"], "text": "Disk full on db1", "subject": "Alert"}"#)
            #expect(sent.status == .accepted)
            let body = try sent.json
            let messageID = try #require(body["id"].string)
            #expect(sent.headers[.location] == "/api/v1/messages/\(messageID)")
            #expect(body["deliveries"].array.count == 1)
            #expect(body["deliveries"][0]["address"].string == "sms:+4712345678")
            #expect(body["deliveries"][0]["channel"].string == "sms")
            #expect(body["deliveries"][0]["status"].string == "queued")
            #expect(body["warnings"].array.compactMap(\.string).contains { $0.contains("Kari Nordmann") && $0.contains("no email") })

            await harness.hub.dispatcher.drain()
            let received = harness.tester.sent(to: .sms("+4712345678"))
            #expect(received.count == 1)
            #expect(received.first?.text == "Disk full on db1")
            #expect(received.first?.messageID == messageID)

            let message = try await api.get("/api/v1/messages/\(messageID)")
            #expect(message.status == .ok)
            let delivery = try message.json["deliveries"][0]
            #expect(delivery["status"].string == "sent")
            #expect(delivery["attempts"].int == 1)
            #expect(delivery["connector"].string == "tester")
            #expect(delivery["receipt_id"].string == received.first?.receiptID)
            #expect(delivery["last_error"].isNull)
            #expect(delivery.keys.isSuperset(of: ["next_attempt_at", "last_error", "receipt_id", "connector", "attempts", "status"]))
            #expect(try message.json["subject"].string == "Alert")
            #expect(try message.json["sender"].string == "admin")
        }
    }

    @Test func inboundSMSIsUnreadInTheInboxUntilMarkedRead() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let bob = try await anonymous.login("bob", "user-secret-1")

            let injected = try await api.post("/api/v1/tester/inbound", #"{"from": "sms:+4798765432", "text": "Server room is hot"}"#)
            #expect(injected.status == .accepted)
            let itemID = try #require(try injected.json["inbox_item_id"].int)
            #expect(try injected.json["disposition"].string == "handled")
            #expect(try injected.json["message_id"].string != nil)

            let unread = try await api.get("/api/v1/inbox?unread=true")
            #expect(unread.status == .ok)
            let items = try unread.json["items"].array
            #expect(items.count == 1)
            #expect(items.first?["id"].int == itemID)
            #expect(items.first?["read"].bool == false)
            #expect(items.first?["owner"].isNull == true)
            #expect(items.first?["message"]["from"].string == "sms:+4798765432")
            #expect(items.first?["message"]["connector"].string == "tester")
            #expect(items.first?["message"]["text"].string == "Server room is hot")
            #expect(try await api.get("/api/v1/inbox/unread-count").json["common"].int == 1)

            let marked = try await api.post("/api/v1/inbox/\(itemID)/read")
            #expect(marked.status == .ok)
            #expect(try marked.json["read"].bool == true)

            #expect(try await api.get("/api/v1/inbox?unread=true").json["items"].array.isEmpty)
            let all = try await api.get("/api/v1/inbox?scope=common").json["items"]
            #expect(all[0]["id"].int == itemID)
            #expect(all[0]["read"].bool == true)
            let counts = try await api.get("/api/v1/inbox/unread-count").json
            #expect(counts["common"].int == 0)
            #expect(counts["total"].int == 0)

            // Read flags are per user: bob has not read it.
            #expect(try await bob.get("/api/v1/inbox/unread-count").json["common"].int == 1)
        }
    }

    @Test func replayedIdempotencyKeyReturnsTheSameAnswerAndSendsOnce() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let request = #"{"to": ["sms:+4712345678"], "text": "Backup done"}"#
            let key: HTTPFields = [.idempotencyKey: "backup-2025-01-31"]

            let first = try await api.post("/api/v1/messages", request, headers: key)
            #expect(first.status == .accepted)
            #expect(first.headers[.idempotentReplayed] == nil)
            let replay = try await api.post("/api/v1/messages", request, headers: key)
            #expect(replay.status == .accepted)
            #expect(replay.headers[.idempotentReplayed] == "true")
            #expect(replay.text == first.text)

            await harness.hub.dispatcher.drain()
            #expect(harness.tester.sent().count == 1)

            let reused = try await api.post("/api/v1/messages", #"{"to": ["sms:+4712345678"], "text": "Something else"}"#, headers: key)
            #expect(reused.status == .conflict)
            #expect(reused.errorCode == "idempotency_key_reused")
            try await harness.expectNothingQueued()
            #expect(harness.tester.sent().count == 1)
        }
    }

    @Test func idempotencyKeysArePerUser() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let bob = try await anonymous.login("bob", "user-secret-1")
            let key: HTTPFields = [.idempotencyKey: "same-key"]
            let a = try await admin.post("/api/v1/messages", #"{"to": ["sms:+4712345678"], "text": "hi"}"#, headers: key)
            let b = try await bob.post("/api/v1/messages", #"{"to": ["sms:+4712345678"], "text": "hi"}"#, headers: key)
            #expect(a.status == .accepted)
            #expect(b.status == .accepted)
            #expect(b.headers[.idempotentReplayed] == nil)
            #expect(try a.json["id"].string != b.json["id"].string)
        }
    }

    @Test func malformedIdempotencyKeyIsRefused() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            let reply = try await api.post(
                "/api/v1/messages",
                #"{"to": ["sms:+4712345678"], "text": "hi"}"#,
                headers: [.idempotencyKey: "has space"]
            )
            #expect(reply.status == .badRequest)
            #expect(reply.errorCode == "invalid_idempotency_key")
            try await harness.expectNothingQueued()
        }
    }

    @Test func usersSeeTheirOwnMessagesAndAdminsSeeAll() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.makeUser("carol")
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let bob = try await anonymous.login("bob", "user-secret-1")
            let carol = try await anonymous.login("carol", "user-secret-1")
            let id = try #require(try await bob.post("/api/v1/messages", #"{"to": ["sms:+4712345678"], "text": "from bob"}"#).json["id"].string)

            #expect(try await bob.get("/api/v1/messages/\(id)").status == .ok)
            #expect(try await admin.get("/api/v1/messages/\(id)").status == .ok)
            let hidden = try await carol.get("/api/v1/messages/\(id)")
            #expect(hidden.status == .notFound)
            #expect(hidden.errorCode == "message_not_found")
            #expect(try await bob.get("/api/v1/messages/no-such-id").status == .notFound)
        }
    }

    @Test func autoRepliesAreReadableByAnyUserButInboundMessagesOnlyThroughTheInbox() async throws {
        let harness = try await Harness { $0.autoReplies = [AutoReply(keyword: "PING", reply: "pong")] }
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let bob = try await anonymous.login("bob", "user-secret-1")
            let result = try await bob.post("/api/v1/tester/inbound", #"{"from": "sms:+4798765432", "text": "ping"}"#).json
            let replyID = try #require(result["replies"][0].string)
            let inboundID = try #require(result["message_id"].string)

            let reply = try await bob.get("/api/v1/messages/\(replyID)")
            #expect(reply.status == .ok)
            #expect(try reply.json["text"].string == "pong")
            #expect(try reply.json["deliveries"][0]["pinned_connector"].string == "tester")
            #expect(try await bob.get("/api/v1/messages/\(inboundID)").status == .notFound)
        }
    }

    /// A reply the hub sent is for whoever may see what it answers: everyone for a message
    /// in the common inbox, only the owner for a message in a user's own inbox.
    @Test func hubRepliesAreReadAsTheMessagesTheyAnswer() async throws {
        let harness = try await Harness { $0.autoReplies = [AutoReply(keyword: "PING", reply: "pong")] }
        try await harness.makeUser("alice")
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let alice = try await anonymous.login("alice", "user-secret-1")
            let bob = try await anonymous.login("bob", "user-secret-1")
            let admin = try await anonymous.loginAdmin()
            let own = try await alice.post("/api/v1/tester/inbound", #"{"from": "sms:+4798765432", "to": "user:alice", "text": "ping"}"#)
            #expect(own.status == .accepted)
            let privateReply = try #require(try own.json["replies"][0].string)
            #expect(try await alice.get("/api/v1/messages/\(privateReply)").status == .ok)
            #expect(try await admin.get("/api/v1/messages/\(privateReply)").status == .ok)
            let hidden = try await bob.get("/api/v1/messages/\(privateReply)")
            #expect(hidden.status == .notFound)
            #expect(hidden.errorCode == "message_not_found")

            let common = try await bob.post("/api/v1/tester/inbound", #"{"from": "sms:+4798765432", "text": "ping"}"#)
            let commonReply = try #require(try common.json["replies"][0].string)
            #expect(try await alice.get("/api/v1/messages/\(commonReply)").status == .ok)
            #expect(try await bob.get("/api/v1/messages/\(commonReply)").status == .ok)
        }
    }
}
