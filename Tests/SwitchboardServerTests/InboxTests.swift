import Foundation
import Hummingbird
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// A connector that is not a bucket, standing in for an SMS gateway.
struct GatewayStandIn: Connector {
    let name = "gateway"
    let engine = "http-gateway"
    let channels: [ChannelName] = [.sms]
    func send(_ outbound: Outbound) async throws -> Receipt { Receipt(id: "gw") }
}

@Suite struct InboxTests {
    @Test func aUsersOwnInboxIsPrivateEvenFromAdmins() async throws {
        let harness = try await Harness()
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let bob = try await anonymous.login("bob", "user-secret-1")
            let result = try await admin.post("/api/v1/tester/inbound", #"{"from": "sms:+4798765432", "to": "user:bob", "text": "for bob only"}"#)
                .json
            let itemID = try #require(result["inbox_item_id"].int)

            let mine = try await bob.get("/api/v1/inbox?scope=mine").json["items"]
            #expect(mine.array.count == 1)
            #expect(mine[0]["owner"].string == "bob")
            #expect(try await bob.get("/api/v1/inbox?scope=common").json["items"].array.isEmpty)
            #expect(try await bob.get("/api/v1/inbox/unread-count").json["mine"].int == 1)

            #expect(try await admin.get("/api/v1/inbox?scope=all").json["items"].array.isEmpty)
            #expect(try await admin.get("/api/v1/inbox/\(itemID)").status == .notFound)
            #expect(try await admin.post("/api/v1/inbox/\(itemID)/read").status == .notFound)
            #expect(try await bob.get("/api/v1/inbox/\(itemID)").json["read"].bool == false)
            #expect(try await bob.post("/api/v1/inbox/\(itemID)/read").json["read"].bool == true)
            #expect(try await bob.get("/api/v1/inbox/unread-count").json["mine"].int == 0)
        }
    }

    @Test func anItemWhoseMessageCarriedAFormNamesItsSubmission() async throws {
        let harness = try await Harness()
        let form = Message(
            direction: .inbound,
            text: "<survey><k>1</k></survey>",
            sender: "sms:+4712345678",
            origin: Origin(connector: "tester", from: .sms("+4712345678"))
        )
        let plain = Message(
            direction: .inbound,
            text: "just text",
            sender: "sms:+4712345678",
            origin: Origin(connector: "tester", from: .sms("+4712345678"))
        )
        try await harness.store.recordInbound(form)
        try await harness.store.recordInbound(plain)
        let submission = FormSubmission(messageID: form.id, formID: "survey", fields: [FormField(path: "k", value: "1")], receivedAt: Date())
        try await harness.store.recordSubmission(submission)
        let added = try await harness.store.addToInbox(messageID: form.id, owner: nil)
        #expect(added.formSubmissionID == submission.id)
        _ = try await harness.store.addToInbox(messageID: plain.id, owner: nil)
        try await harness.run { anonymous in
            let admin = try await anonymous.loginAdmin()
            let items = try await admin.get("/api/v1/inbox").json["items"].array
            #expect(items.map { $0["message"]["text"].string } == ["just text", "<survey><k>1</k></survey>"])
            #expect(items[0].keys.contains("form_submission_id") && items[0]["form_submission_id"].isNull)
            #expect(items[1]["form_submission_id"].string == submission.id)
            let one = try await admin.get("/api/v1/inbox/\(added.id)").json
            #expect(one["form_submission_id"].string == submission.id)
            #expect(try await admin.get("/api/v1/forms/\(submission.id)").json["message_id"].string == form.id)
        }
    }

    @Test func inboxPagesNewestFirstWithACursor() async throws {
        let harness = try await Harness()
        try await harness.run { anonymous in
            let api = try await anonymous.loginAdmin()
            for n in 1...3 {
                #expect(try await api.post("/api/v1/tester/inbound", #"{"from": "sms:+4798765432", "text": "message \#(n)"}"#).status == .accepted)
            }
            let first = try await api.get("/api/v1/inbox?limit=2").json
            #expect(first["items"].array.compactMap { $0["message"]["text"].string } == ["message 3", "message 2"])
            let cursor = try #require(first["next_cursor"].string)
            let second = try await api.get("/api/v1/inbox?limit=2&cursor=\(cursor)").json
            #expect(second["items"].array.compactMap { $0["message"]["text"].string } == ["message 1"])
            #expect(second["next_cursor"].isNull)
        }
    }

    @Test func onlyAdminsInjectThroughConnectorsThatAreNotBuckets() async throws {
        let harness = try await Harness(extraConnectors: [GatewayStandIn()])
        try await harness.makeUser("bob")
        try await harness.run { anonymous in
            let bob = try await anonymous.login("bob", "user-secret-1")
            let refused = try await bob.post("/api/v1/tester/inbound", #"{"connector": "gateway", "from": "sms:+4798765432", "text": "forged"}"#)
            #expect(refused.status == .forbidden)
            #expect(try await bob.get("/api/v1/inbox").json["items"].array.isEmpty)

            let admin = try await anonymous.loginAdmin()
            let allowed = try await admin.post("/api/v1/tester/inbound", #"{"connector": "gateway", "from": "sms:+4798765432", "text": "test"}"#)
            #expect(allowed.status == .accepted)
            #expect(try await bob.get("/api/v1/inbox").json["items"][0]["message"]["connector"].string == "gateway")
        }
    }
}
